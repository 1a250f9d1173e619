"""Module 05's graders: the sharded ingest (mapped) and the operations exercise, each rejecting the typical mistakes."""

import re

import pytest

from retrylab import checks
from retrylab.checks import m05_mapped_operations as m05
from retrylab.checks.module import Suite
from tests.course_files import dag_source

M05 = checks.module("05-mapped-and-operations")
QUICK = Suite.of(m05.WORLD, ["between_pages:2"])


@pytest.fixture(scope="module")
def fix() -> str:
    return dag_source("05-mapped-and-operations", "sharded_ingest.py")


def test_the_sharded_fix_passes(grade, notebook_dag):
    verdict = grade(M05, notebook_dag("05-mapped-and-operations", "sharded_ingest.py"))
    assert verdict.passed, verdict.summary()


def test_a_cursor_in_xcom_restarts_every_shard(lab, grade, dag_file, fix):
    xcom = fix.replace(
        'cursor = task_state_store.get("cursor", 0)', 'cursor = get_current_context()["ti"].xcom_pull(key="cursor") or 0'
    ).replace(
        'task_state_store.set("cursor", cursor)', 'get_current_context()["ti"].xcom_push(key="cursor", value=cursor)'
    ).replace("transform_and_upsert(record)", "transform_and_load(record)").replace(
        "from airflow.sdk import DAG, task", "from airflow.sdk import DAG, get_current_context, task"
    ).replace("import fetch_page, transform_and_upsert", "import fetch_page, transform_and_load")
    verdict = grade(M05, dag_file("xcom.py", xcom), suite=QUICK)
    (own,) = [r for r in verdict.failed("state per map index") if "between_pages:2" in r.crash]
    # Which shards restart depends on which XComs they read first (the pull is not scoped to the map index).
    assert re.search(r"load_shard\[\d\]'s try 2 started from the very beginning and re-did records", own.symptom), own.symptom
    assert any("loaded twice after a crash at between_pages:2 on try 1" in r.symptom for r in verdict.failed("exactly once"))


def test_one_cursor_shared_by_every_shard_loses_records(lab, grade, dag_file, fix):
    shared = fix.replace('task_state_store.get("cursor", 0)', 'int(Variable.get("shard_cursor", "0"))').replace(
        'task_state_store.set("cursor", cursor)', 'Variable.set("shard_cursor", str(cursor))'
    ).replace("from airflow.sdk import DAG, task", "from airflow.sdk import DAG, Variable, task")
    verdict = grade(M05, dag_file("shared.py", shared), suite=QUICK)
    assert any("never loaded after clean run" in r.symptom for r in verdict.failed("clean run")), verdict.summary()
    lab.clear_variables()


def _clear_all(stack, dag_id, run_id, task_id):
    return stack.rest("DELETE", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/state-store", params={"all_map_indices": "true"}).status_code


def _clear_one(stack, dag_id, run_id, task_id):
    return stack.rest("DELETE", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/state-store").status_code


def _not_done(stack, dag_id, run_id, task_id):
    raise NotImplementedError()


@pytest.mark.parametrize(
    ("reset", "symptom"),
    [
        (_clear_all, ""),
        (_clear_one, "map indices [0, 1, 2] of the cleared run still have task state"),
        (_not_done, "is not done yet"),
        (lambda stack, dag_id: 204, "it must take (stack, dag_id, run_id, task_id)"),
    ],
    ids=["all-indices", "one-index", "not-done", "wrong-signature"],
)
def test_the_rest_clear_is_checked_against_the_api_server(lab, reset, symptom):
    (result,) = m05.check_reset(lab, reset)
    assert result.passed == (not symptom) and symptom in result.symptom, result.symptom


@pytest.mark.parametrize(
    ("settings", "symptom"),
    [
        ({"state_store__clear_on_success": True, "state_store__default_retention_days": 7}, ""),
        ({"state_store__clear_on_success": True}, "expires after 29 days, not 7"),
        ({"state_store__default_retention_days": 7}, "after a task succeeded its state was still there"),
        ({"state_store__clear_on_success": True, "state_store__default_retention_days": 0}, "never expires"),
        ({"core__clear_on_success": True}, "unknown settings ['core__clear_on_success']"),
    ],
    ids=["right", "no-retention", "no-clear", "never-expires", "wrong-section"],
)
def test_the_settings_are_checked_by_real_runs(lab, settings, symptom):
    (result,) = m05.check_settings(lab, lambda: settings)
    assert result.passed == (not symptom) and symptom in result.symptom, result.symptom
