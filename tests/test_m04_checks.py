"""Module 04's checker: the seed's producer and each typical watermark mistake fail with a named cause; the fix passes."""

from dataclasses import replace

import pytest

from retrylab import checks, daily
from retrylab.checks.equivalence import Scenario
from retrylab.checks.m04_asset_watermarks import WORLD
from retrylab.checks.module import Suite
from retrylab.faults import plan
from tests.course_files import dag_source

M04 = checks.module("04-asset-watermarks")
QUICK = Suite(WORLD, (Scenario(plan("after_commit")),))


@pytest.fixture(scope="module")
def fix() -> str:
    return dag_source("04-asset-watermarks", "orders_watermark.py")


@pytest.fixture(scope="module")
def seed() -> str:
    """The seed's producer and its downstream under the exercise's dag_ids."""
    return (
        dag_source("04-asset-watermarks", "antipattern_xcom_watermark.py")
        .replace('dag_id="antipattern_xcom_watermark"', 'dag_id="orders_watermark"')
        .replace('dag_id="orders_billing_variables"', 'dag_id="orders_billing"')
    )


def test_the_fix_passes_public_and_hidden_nights(grade, notebook_dag):
    path = notebook_dag("04-asset-watermarks", "orders_watermark.py")
    verdict = grade(M04, path)
    assert verdict.passed, verdict.summary()
    noon = Suite(replace(WORLD, clock="2025-03-02T12:00:00"), (Scenario(plan("before_load")), Scenario(plan("job_done", "after_commit@2"))))
    assert grade(M04, path, suite=noon).passed


def test_the_seed_fails_every_check_with_the_symptom_of_each_mistake(lab, grade, dag_file, seed):
    verdict = grade(M04, dag_file("seed.py", seed), suite=replace(QUICK, scenarios=(Scenario(plan("while_running", "after_commit@2")),)))
    (clean,) = verdict.failed("every order once")
    assert "landed but were never processed downstream after clean run" in clean.symptom
    assert "(order 50150 happened 01 Mar 23:41 and landed 02 Mar 00:10)" in clean.symptom
    (twice,) = verdict.failed("exactly once downstream")
    assert "were processed more than once downstream after a crash at while_running on try 1, then" in twice.symptom
    assert "never processed" not in twice.symptom  # the clean run already reported the skipped orders
    (jobs,) = verdict.failed("one batch job per run")
    assert "on 03 Mar 00:05, try 2 submitted job-" in jobs.symptom and "try 3 submitted" in jobs.symptom


@pytest.mark.parametrize(
    ("change", "check", "symptom"),
    [
        (
            ('orders.set("watermark", max(r["event_time"] for r in records))', 'orders.set("watermark", utcnow().isoformat())'),
            "every order once",
            "landed but were never processed downstream",
        ),
        (("merge_into_warehouse(records)  #", "load_to_warehouse(records)  #"), "exactly once downstream", "processed more than once downstream after a crash at after_commit"),
        (("        if records:  #", "        if True:  #"), "every order once", "the orders_watermark run of 03 Mar 00:06 ended failed: try 4 ValueError: max() arg is an empty sequence (your DAG file"),
        (
            ('orders.set("orders_billing.billed_through", through)', ""),
            "every order once",
            "were processed more than once downstream after clean run",
        ),
    ],
    ids=["wall-clock-watermark", "append-load", "empty-night", "downstream-forgets-progress"],
)
def test_watermark_mistakes_are_named(lab, grade, dag_file, fix, change, check, symptom):
    assert change[0] in fix
    source = fix.replace(*change).replace("import batch_client,", "import batch_client, load_to_warehouse, utcnow,")
    verdict = grade(M04, dag_file("mistake.py", source), suite=QUICK)
    assert any(symptom in r.symptom for r in verdict.failed(check)), verdict.summary()


def test_a_job_id_in_xcom_is_billed_again_after_a_crash(lab, grade, dag_file, fix):
    xcom = fix.replace('task_state_store.get("batch_job_id")', 'get_current_context()["ti"].xcom_pull(key="batch_job_id")').replace(
        'task_state_store.set("batch_job_id", job_id)', 'get_current_context()["ti"].xcom_push(key="batch_job_id", value=job_id)'
    ).replace("from airflow.sdk import DAG, Asset, task", "from airflow.sdk import DAG, Asset, get_current_context, task")
    verdict = grade(M04, dag_file("xcom.py", xcom), suite=replace(QUICK, scenarios=(Scenario(plan("while_running")),)))
    (jobs,) = verdict.failed("one batch job per run")
    assert "try 2 submitted" in jobs.symptom
    assert not verdict.failed("exactly once downstream")


def test_a_downstream_not_scheduled_on_the_asset_is_caught(lab, grade, dag_file, fix):
    no_inlet = fix.replace("inlets=[ORDERS]", "")
    verdict = grade(M04, dag_file("no_inlet.py", no_inlet), suite=QUICK)
    assert "orders_billing run of 02 Mar 00:05" in verdict.summary() and "TypeError" in verdict.summary()


def test_runs_of_a_series_keep_the_warehouse_and_state_between_nights(lab, dag_file, fix):
    days = daily.run_days(lab, dag_file("series.py", fix), "orders_watermark", "orders_billing", clocks=daily.MIDNIGHTS[:2])
    first, second = days.days
    assert first.asset_state["watermark"] < second.asset_state["watermark"] <= second.clock
    assert sum(days.warehouse.values()) == len(days.landed) == len(days.processed)
    assert "02 Mar 00:05" in days.table() and "never processed (skipped): 0" in days.table()
