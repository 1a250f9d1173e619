from collections import Counter

import pytest

from retrylab.world import World, WorldConfig, dataset, fetch_page, transform_and_load, transform_and_upsert


@pytest.fixture
def world(tmp_path, monkeypatch):
    monkeypatch.setenv("RETRYLAB_WORLD", str(tmp_path / "world"))
    w = World.current()
    w.reset(WorldConfig(seed=7, records=500, page_size=200))
    yield w
    w.close()


def test_the_committed_data_file_is_what_the_seeded_generator_makes():
    assert dataset.DATA_FILE.read_text() == dataset.generate()


def test_pages_follow_the_cursor_and_the_server_caps_their_size(world):
    first = fetch_page(after_id=0, limit=1000)
    assert len(first) == 200 and first == sorted(first, key=lambda r: r["id"])
    second = fetch_page(after_id=first[-1]["id"], limit=1000)
    third = fetch_page(after_id=second[-1]["id"], limit=50)
    assert second[0]["id"] > first[-1]["id"] and len(third) == 50
    assert fetch_page(after_id=world.ids[-1]) == []


def test_the_same_seed_serves_the_same_records_and_another_seed_others(world, tmp_path):
    ids = list(world.ids)
    world.reset(WorldConfig(seed=7, records=500, page_size=200))
    assert world.ids == ids
    world.reset(WorldConfig(seed=13, records=500, page_size=200))
    assert world.ids != ids


def test_append_keeps_duplicates_and_upsert_merges(world):
    record = fetch_page(after_id=0, limit=1)[0]
    transform_and_load(record)
    transform_and_load(record)
    assert world.loaded_ids()[record["id"]] == 2
    transform_and_upsert(record)
    assert world.loaded_ids()[record["id"]] == 1
    assert Counter(e["event"] for e in world.ledger()) == Counter({"fetch": 1, "append": 2, "upsert": 1})


def test_state_outlives_the_process_object(world):
    record = fetch_page(after_id=0, limit=1)[0]
    transform_and_load(record)
    world.close()
    assert World(world.root).loaded_ids()[record["id"]] == 1


def test_faults_never_fire_outside_a_task(world):
    world.reset(WorldConfig(seed=7, records=500, page_size=200, faults=()).with_faults("mid_page:1:1", "between_pages:1"))
    page = fetch_page(after_id=0)
    transform_and_load(page[0])
    assert fetch_page(after_id=page[-1]["id"])


@pytest.mark.parametrize("bad", ["0", None, 1.5, True])
def test_a_wrong_cursor_type_is_a_clear_type_error(world, bad):
    with pytest.raises(TypeError, match="after_id must be an int"):
        fetch_page(after_id=bad)


def test_loading_something_that_is_not_a_record_is_a_type_error(world):
    with pytest.raises(TypeError, match="record dict"):
        transform_and_load(42)


def test_a_world_that_was_never_reset_says_so(tmp_path):
    with pytest.raises(Exception, match="never reset"):
        World(tmp_path / "nothing").config  # noqa: B018


def test_the_world_used_outside_airflow_never_imports_airflow(tmp_path):
    """Importing Airflow configures it; a test or a cell using the world alone must not do that first."""
    import os
    import subprocess
    import sys

    code = (
        "from retrylab.world import BatchClient, World, WorldConfig, fetch_page; import sys\n"
        "World.current().reset(WorldConfig(records=10)); fetch_page(0); BatchClient().submit()\n"
        "print('airflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "RETRYLAB_WORLD": str(tmp_path / "w")})
    assert out.stdout.strip() == "False", out.stderr[-1500:]
