"""Module 02's checker: the seed's Variables DAG fails across environments with named symptoms; the fix passes."""

from dataclasses import replace

import pytest

from retrylab import checks
from retrylab.checks.m02_global_variables import PROD, STAGING, environments, foreign_jobs
from tests.course_files import dag_source

M02 = checks.module("02-global-variables")


@pytest.fixture(scope="module")
def anti() -> str:
    return dag_source("02-global-variables", "antipattern_variables.py").replace(
        'dag_id="antipattern_variables"', 'dag_id="variables_fix"'
    )


def test_the_fix_passes_public_and_hidden_environments(grade, notebook_dag):
    fix = notebook_dag("02-global-variables", "variables_fix.py")
    assert grade(M02, fix).passed
    hidden_prod, hidden_staging = replace(PROD, seed=13, records=500), replace(STAGING, seed=4, records=250)
    suite = replace(M02.suite, world=hidden_prod, scenarios=environments(hidden_prod, hidden_staging))
    assert grade(M02, fix, suite=suite).passed


def test_the_seed_dag_skips_the_other_environments_records_and_waits_on_its_job(lab, grade, dag_file, anti):
    verdict = grade(M02, dag_file("anti.py", anti))
    # Graded pages hold 200 records: the seed's one fetch per run loads the first page only.
    assert "(400 records) never loaded after clean run" in verdict.of("clean run")[0].symptom
    records = {r.crash: r for r in verdict.of("loads its own records exactly once")}
    assert "records 6784-7111 (300 records) never loaded after a staging run while prod's job still runs" in records[
        "a staging run while prod's job still runs"
    ].symptom
    jobs = {r.crash: r for r in verdict.of("uses only its own job")}
    foreign = jobs["a staging run while prod's job still runs"]
    assert not foreign.passed and "which a prod run submitted" in foreign.symptom


def test_the_grader_starts_from_a_deployment_without_variables(lab, grade, dag_file, anti):
    lab.clear_variables()
    path = dag_file("anti_stale.py", anti)
    lab.run(path, world=PROD)  # leaves ingest_cursor at prod's last id
    assert lab.variables()["ingest_cursor"] == "7354"
    verdict = grade(M02, path)
    # The stale cursor was cleared before grading: the clean run loads the first page (and misses the rest), not nothing.
    assert "(400 records) never loaded after clean run" in verdict.of("clean run")[0].symptom


def test_a_variable_written_by_a_task_is_seen_by_every_environment(lab, dag_file, anti):
    lab.clear_variables()
    path = dag_file("anti_env.py", anti)
    prod = lab.run(path, world=PROD)
    staging = lab.run(path, world=STAGING)
    assert prod.succeeded and staging.succeeded, [(r.broken, [t.error for t in r.tries]) for r in (prod, staging)]
    assert staging.fetches_by_try("ingest_records")[1] == [7354]  # staging started from prod's cursor
    assert not foreign_jobs(staging)  # prod's job had finished: staging submitted its own
