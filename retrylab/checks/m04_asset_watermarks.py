"""Module 04: a producer keeps its watermark in asset state; the downstream processes every order once.

Each scenario is a series of daily runs (``retrylab.daily``): the producer
DAG, then the consumer DAG, on the company's clock, with the warehouse,
Variables and asset state kept from day to day. The crash of a scenario hits
one day's producer run.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from retrylab import daily
from retrylab.checks import equivalence
from retrylab.checks.equivalence import CLEAN, Matrix, Scenario
from retrylab.checks.module import Check, ModuleSpec, Suite
from retrylab.checks.results import CheckResult
from retrylab.daily import DailyReport
from retrylab.faults import plan
from retrylab.runs import Lab
from retrylab.world.state import WorldConfig

PRODUCER, CONSUMER, TASK = "orders_watermark", "orders_billing", "load_orders"
DAYS = 4
CRASH_RUN = 2  # the first run that starts from a watermark
WORLD = daily.LANDING
SUITE = Suite(
    WORLD,
    (
        Scenario(plan("while_running")),
        Scenario(plan("after_commit")),
        Scenario(plan("before_commit")),  # a watermark moved before the load commits skips what the load lost
        Scenario(plan("after_commit"), run=1),
        Scenario(plan("after_commit@1", "while_running@2"), run=4),
    ),
)


def run_series(lab: Lab, path: Path, dag_id: str, world: WorldConfig, scenario: Scenario) -> DailyReport:
    """One scenario: ``DAYS`` daily runs from the world's clock, the crash on its day's producer run."""
    world = scenario.world or world
    crashes = {scenario.run or CRASH_RUN: list(scenario.faults)} if scenario.faults else {}
    return daily.run_days(lab, path, dag_id, CONSUMER, clocks=daily.schedule(world.clock, DAYS), crashes=crashes, world=world)


def _problems(report: DailyReport, label: str, jobs: bool = True, clean: DailyReport | None = None) -> list[str]:
    """What went wrong downstream; with ``clean``, only what the crash added to the clean run's trouble."""
    problems = []
    if not report.succeeded:
        problems.append(equivalence.run_failed_symptom(report, label))
    skipped = [i for i in report.skipped if clean is None or i not in set(clean.skipped)]
    if skipped:
        problems.append(
            f"orders {daily.describe(report, skipped)} landed but were never processed downstream after {label} "
            f"(order {report.late_example(skipped)})"
        )
    if report.processed_twice:
        problems.append(f"orders {daily.describe(report, report.processed_twice)} were processed more than once downstream after {label}")
    if report.duplicate_rows and not report.processed_twice:
        problems.append(f"the warehouse holds {report.duplicate_rows} duplicate rows after {label}")
    if jobs:
        problems += _needless(report)
    return problems


def _needless(report: DailyReport) -> list[str]:
    """One line per batch job a night paid for although the run already had a live or finished one,
    and per night with new orders whose producer ran no job of its own (an old job's export has nothing new)."""
    out = [
        f"on {day.label}, try {day.producer.try_that_submitted(job.id)} submitted {job.id} although {earlier.id} was {then}"
        for day, job, earlier, then in report.needless_submissions()
    ]
    seen = 0
    for day in report.days:
        landed = len(daily.landed_by(day.clock))
        if landed > seen and day.producer.succeeded and not day.producer.jobs:
            out.append(
                f"on {day.label}, {landed - seen} new orders had landed but the producer ran no batch job of its own: "
                "does it reuse the id of an earlier night's finished job?"
            )
        seen = landed
    return out


def _clean(matrix: Matrix) -> list[CheckResult]:
    report = matrix.clean
    assert isinstance(report, DailyReport)
    problems = _problems(report, CLEAN)
    if report.succeeded and not sum(report.processed.values()):
        problems.append(
            f"the {CONSUMER} DAG processed no order at all: does it read the producer's watermark from the asset state "
            "(the asset must be one of its inlets) and call process_order for each row?"
        )
    counts = {"skipped": len(report.skipped), "processed_twice": len(report.processed_twice), "jobs": len(report.jobs)}
    return [CheckResult("every order once", CLEAN, not problems, "; ".join(problems), counts)]


def _exactly_once(matrix: Matrix) -> list[CheckResult]:
    out = []
    for scenario, report in matrix.runs:
        problems = _problems(report, scenario.label, jobs=False, clean=matrix.clean)
        counts = {"skipped": len(report.skipped), "processed_twice": len(report.processed_twice)}
        out.append(CheckResult("exactly once downstream", scenario.label, not problems, "; ".join(problems), counts))
    return out


def _one_job(matrix: Matrix) -> list[CheckResult]:
    out = []
    for scenario, report in matrix.runs:
        needless = _needless(report)
        out.append(CheckResult("one batch job per run", scenario.label, not needless, "; ".join(needless), {"jobs": len(report.jobs)}))
    return out


HIDDEN = (
    Suite.of(replace(WORLD, clock="2025-03-02T12:00:00"), ("before_load", ("job_done", "after_commit@2"))),
)

CHECKS = (
    Check(
        "every order once",
        _clean,
        (
            "Run the nights yourself: `run_days(lab, FIX, 'orders_watermark', 'orders_billing', clocks=NIGHTS, world=WORLD).show()`. "
            "Red crosses are orders that landed but were never billed.",
            "A watermark set to the clock (utcnow) after the load is later than the newest order the load saw: an order "
            "that happened before that time but lands afterwards is behind the watermark forever.",
            "Move the watermark to the highest event_time among the records you loaded (and only when you loaded some). "
            "The downstream reads the watermark from asset_state_store and keeps its own progress under a key of its own.",
        ),
    ),
    Check(
        "exactly once downstream",
        _exactly_once,
        (
            "Look at the night that crashed in `fixed_week.show()`: its tries and rows written. Which rows did the retry write again?",
            "A retry after a crash between the load and the watermark fetches the same window again. Appending it twice "
            "duplicates rows, and the downstream bills them twice.",
            "Make the load idempotent (merge_into_warehouse writes each order once, whatever the retry does) and move the "
            "watermark only after the load has committed.",
        ),
    ),
    Check(
        "one batch job per run",
        _one_job,
        (
            "Compare `fixed_week.days[1].producer.submits_by_try()` with a clean night: which try submitted the second job?",
            "XCom is cleared at the start of every try, so the retry does not see the job id its first try pushed.",
            "Keep the job id in task_state_store (it survives retries of the same task instance) and only submit when it holds none.",
        ),
    ),
)

SPEC = ModuleSpec(
    id="04-asset-watermarks",
    title="Asset watermarks",
    dag_id=PRODUCER,
    task_id=TASK,
    suite=SUITE,
    hidden=HIDDEN,
    extra_dag_ids=(CONSUMER,),
    checks=CHECKS,
    run=run_series,
)

