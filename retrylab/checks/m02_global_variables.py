"""Module 02: state scoped to one task instance, so two environments cannot corrupt each other.

The suite is a sequence: prod and staging run the same DAG one after the
other against one Airflow (one set of Variables), with crashes in between,
like two deployments that share a metadata database. Every run must load its
own environment's records exactly once and use only the batch job it
submitted itself.
"""

from __future__ import annotations

from dataclasses import replace

from retrylab.checks import equivalence
from retrylab.checks.equivalence import CLEAN, Matrix, Scenario
from retrylab.checks.module import Check, ModuleSpec, Suite
from retrylab.checks.results import CheckResult
from retrylab.faults import plan
from retrylab.report import RunReport
from retrylab.world import batch
from retrylab.world.state import WorldConfig

SPARK_TASK = "run_spark_job"
# The lesson's sources serve everything in one page (the seed's task fetches once per run).
PROD = WorldConfig(seed=7, records=600, page_size=1000, environment="prod", job_pending_s=0.2, job_running_s=3.0)
STAGING = replace(PROD, seed=36, records=300, environment="staging")  # ids inside prod's range
# Graded on pages of 200: a task without a checkpoint re-fetches what it loaded, one that fetches once misses records.
GRADED_PROD, GRADED_STAGING = replace(PROD, page_size=200), replace(STAGING, page_size=200)
# A prod run whose worker keeps dying while its job runs: it fails by design and
# leaves its job running, which is what a later staging run must not pick up.
DOOMED = "a prod run whose worker crashes on every try while its job runs"


def environments(prod: WorldConfig, staging: WorldConfig) -> tuple[Scenario, ...]:
    every_try = plan(*(f"while_running@{n}" for n in range(1, 5)))
    return (
        Scenario((), staging, "a staging run"),
        Scenario(plan("mid_page:1:50"), prod, "a prod run"),
        Scenario(every_try, prod, DOOMED, name=DOOMED),
        Scenario((), staging, "a staging run while prod's job still runs"),
        Scenario(plan("between_pages:1"), staging, "a staging run"),
        Scenario(plan("while_running"), prod, "a prod run"),
    )


SUITE = Suite(GRADED_PROD, environments(GRADED_PROD, GRADED_STAGING), fresh_variables=True)


def _clean(matrix: Matrix) -> list[CheckResult]:
    report = matrix.clean
    assert report is not None
    results = [*_own_records(CLEAN, report, setup=False), *_own_job(CLEAN, report, setup=False)]
    problems = [r.symptom for r in results if not r.passed]
    return [CheckResult("clean run", CLEAN, not problems, "; ".join(problems))]


def _records(matrix: Matrix) -> list[CheckResult]:
    return [r for s, report in matrix.runs for r in _own_records(s.label, report, setup=s.note == DOOMED)]


def _jobs(matrix: Matrix) -> list[CheckResult]:
    return [r for s, report in matrix.runs for r in _own_job(s.label, report, setup=s.note == DOOMED)]


def _own_records(label: str, report: RunReport, *, setup: bool) -> list[CheckResult]:
    once = equivalence.exactly_once(label, report, require_success=not setup)
    return [CheckResult("loads its own records exactly once", label, once.passed, once.symptom, once.counts)]


def foreign_jobs(report: RunReport) -> list[batch.Job]:
    """Jobs this run waited on (polled while active) or took a result from, but did not submit."""
    own = {job.id for job in report.jobs}
    touched = dict.fromkeys(
        e["detail"].split("|")[0]
        for e in report.events
        if e["event"] == "result" or (e["event"] == "poll" and e["detail"].split("|")[1] in batch.ACTIVE)
    )
    service = report.batch_service or batch.service()
    return [service.job(job_id) for job_id in touched if job_id not in own]


def _own_job(label: str, report: RunReport, *, setup: bool) -> list[CheckResult]:
    problems = []
    env = report.world.environment
    for job in foreign_jobs(report):
        owner = f"a {job.environment} run" if job.environment != env else "an earlier run"
        problems.append(f"after {label}, {SPARK_TASK} waited on {job.id}, which {owner} submitted")
    for job, earlier, then in report.needless_submissions():
        problems.append(f"after {label}, {SPARK_TASK} submitted {job.id} although its {earlier.id} was {then}")
    if not setup:
        if not report.succeeded:
            problems.append(equivalence.run_failed_symptom(report, label))
        elif not any(job.status == batch.SUCCEEDED for job in report.jobs):
            problems.append(f"after {label}, no job of this {env} run ran to success: {SPARK_TASK} never submitted its own")
    return [CheckResult("uses only its own job", label, not problems, "; ".join(problems), {"jobs": len(report.jobs)})]


HIDDEN_PROD = replace(GRADED_PROD, seed=13, records=500, page_size=150)
HIDDEN = (
    Suite(
        HIDDEN_PROD,
        environments(HIDDEN_PROD, replace(GRADED_STAGING, seed=4, records=250, page_size=150, job_running_s=2.0)),
        fresh_variables=True,
    ),
)

CHECKS = (
    Check(
        "clean run",
        _clean,
        (
            "Run the DAG once in prod: `lab.run(FIX, world=PROD).show()`; both tasks must succeed.",
            "run_spark_job must submit a job to the batch service and wait until it SUCCEEDED.",
        ),
    ),
    Check(
        "resumes from checkpoint",
        lambda matrix: equivalence.resumes(matrix, lambda _report: ["ingest_records"], lambda s: s.note != DOOMED),
        (
            "Run it with a crash between pages: `lab.run(FIX, world=replace(PROD, page_size=200), crash=\"between_pages:1\").show()`. "
            "Where does try 2 start?",
            "A cursor kept in a Variable is shared by every run and environment; one kept in a local variable dies with "
            "the try. The task state store keeps it per task instance, across retries.",
            "Read the cursor from `task_state_store` before the loop and set it after each page.",
        ),
    ),
    Check(
        "loads its own records exactly once",
        _records,
        (
            "Print `lab.variables()` after each run: whose cursor does the next run start from?",
            "A Variable is one value for the whole deployment: every DAG, every run, every environment sharing the "
            "metadata DB reads and writes the same key. A cursor belongs to one task instance.",
            "Keep the cursor in `task_state_store` (read it with a default of 0, set it after each page) and load "
            "with `transform_and_upsert`, so a retry redoes nothing twice.",
        ),
    ),
    Check(
        "uses only its own job",
        _jobs,
        (
            "Look at `report.events` of the failing run: which job ids did it poll, and who submitted them (`report.jobs`)?",
            "The job id also belongs to one task instance. Module 03's ResumableJobMixin keeps it in task_state_store "
            "and reconnects only to this task's own job.",
            "Use `retrylab.operators.BatchJobOperator(task_id=\"run_spark_job\", job_name=\"spark_daily\", ...)` or your "
            "module 03 operator for run_spark_job.",
        ),
    ),
)

SPEC = ModuleSpec(
    id="02-global-variables",
    title="State per task instance, not per deployment",
    dag_id="variables_fix",
    task_id="ingest_records",
    suite=SUITE,
    hidden=HIDDEN,
    checks=CHECKS,
)
