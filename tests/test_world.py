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


def test_the_committed_landing_file_is_what_its_seeded_generator_makes():
    assert dataset.LANDING_FILE.read_text() == dataset.generate_landing()


@pytest.fixture
def landing(world):
    world.reset(WorldConfig(source="landing", clock="2025-03-02T00:05"))
    return world


def test_the_landing_table_shows_what_has_landed_by_the_clock(landing):
    from retrylab.world import landing as source

    night_one = source.fetch_since("2024-01-01")
    assert night_one and all(r["event_time"] <= "2025-03-02T00:05:00" for r in night_one)
    assert source.utcnow().isoformat() == "2025-03-02T00:05:00"
    landing.reconfigure(WorldConfig(source="landing", clock="2025-03-03T00:05"))
    later = source.fetch_since(night_one[-1]["event_time"])
    assert later and later[0]["event_time"] > night_one[-1]["event_time"]
    # A late order: it happened before night one's clock but landed after it.
    late = [r for r in later if r["event_time"] <= "2025-03-02T00:05:00"]
    assert late and not {r["id"] for r in late} & {r["id"] for r in night_one}


def test_loads_append_or_merge_and_the_downstream_counts_each_bill(landing):
    from retrylab.world import landing as source

    records = source.fetch_since("2024-01-01")[:3]
    source.load_to_warehouse(records)
    source.load_to_warehouse(records)
    assert landing.loaded_ids() == Counter({r["id"]: 2 for r in records})
    rows = source.read_warehouse("2024-01-01", records[-1]["event_time"])
    assert len(rows) == 6  # the downstream sees every duplicate row
    source.merge_into_warehouse(records)
    assert landing.loaded_ids() == Counter({r["id"]: 1 for r in records})
    for row in rows[:2]:
        source.process_order(row)
    assert sum(1 for e in landing.ledger() if e["event"] == "process") == 2


@pytest.mark.parametrize(
    ("watermark", "error", "words"),
    [(5, TypeError, "ISO date-time string"), ("yesterday", ValueError, "ISO date and time"), (None, TypeError, "got NoneType")],
)
def test_a_wrong_watermark_gets_a_clear_error(landing, watermark, error, words):
    from retrylab.world import landing as source

    with pytest.raises(error, match=words):
        source.fetch_since(watermark)


def test_the_landing_helpers_refuse_the_paginated_world(world):
    from retrylab.world import WorldError
    from retrylab.world import landing as source

    with pytest.raises(WorldError, match="landing table of module 04"):
        source.fetch_since("2024-01-01")
    with pytest.raises(WorldError, match="needs its clock"):
        WorldConfig(source="landing")
