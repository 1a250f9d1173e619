"""Module 03: an operator built on ResumableJobMixin pays for one job, however often its worker dies."""

from __future__ import annotations

from dataclasses import replace

from retrylab.checks import equivalence
from retrylab.checks.equivalence import CLEAN, Matrix, Scenario
from retrylab.checks.module import Check, ModuleSpec, Suite
from retrylab.checks.results import CheckResult
from retrylab.faults import plan
from retrylab.world.batch import ACTIVE, CANCELLED, FAILED, PENDING, RUNNING, SUCCEEDED
from retrylab.world.state import WorldConfig

WORLD = WorldConfig(seed=7, records=2400, job_pending_s=0.3, job_running_s=1.5)
FAILS_FIRST = replace(WORLD, job_outcomes=(FAILED, SUCCEEDED))
LONG_QUEUE = replace(WORLD, job_pending_s=2.5)  # the retry finds the job still PENDING
# A crash after the service accepted a job but before the mixin stored its id is
# the gap the mixin documents: the retry cannot know the job, so it submits again.
GAP = "after_submit"
TASK = "run_batch_job"
KILLS = ("while_pending", "while_running", "job_done", "after_result", GAP)
SUITE = Suite.of(
    WORLD,
    KILLS,
    kill=True,
    more=(
        Scenario(plan("while_running@1", "while_running@2")),
        Scenario((), FAILS_FIRST, "the first job FAILED"),
        Scenario(plan("while_running", mode="kill"), FAILS_FIRST, "the first job FAILED"),
        Scenario(plan("while_pending", mode="kill"), LONG_QUEUE, "a long queue"),
    ),
)


def dollars(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def _clean(matrix: Matrix) -> list[CheckResult]:
    report = matrix.clean
    assert report is not None
    problems = []
    billed = [job.id for job in report.jobs]
    stored = {v for v in report.task_state().values() if isinstance(v, str)}
    if not billed:
        problems.append("the task never submitted a job to the batch service")
    elif report.needless_submissions():
        problems.append(f"a run without any crash submitted {len(billed)} jobs ({', '.join(billed)})")
    elif billed[-1] not in stored:
        problems.append(
            "after the run the task state store holds no job id "
            f"(it holds {report.task_state() or 'nothing'}): does execute() return "
            "self.execute_resumable(context), and does submit_job return the id that client.submit() gave?"
        )
    if report.return_value() is None:
        problems.append("the task returned None: get_job_result should return the job's result (client.get_result)")
    if report.jobs_left_running:
        problems.append(f"{', '.join(report.jobs_left_running)} was still running when the task finished")
    if not report.succeeded:
        problems = [equivalence.run_failed_symptom(report, CLEAN)]
    return [CheckResult("clean run", CLEAN, not problems, "; ".join(problems), {"jobs": len(billed)})]


def probe_statuses(matrix: Matrix, job_ids: list[str]) -> list[str]:
    """Ask the operator's own methods (in the try runner, never here) about a real job and every status."""
    from retrylab.world import batch

    statuses = (PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED)
    answers = matrix.lab.probe(matrix.dag_file, matrix.dag_id, TASK, job_ids[:1], list(statuses))
    wrong = []
    for job_id in job_ids[:1]:
        truth = batch.service(matrix.lab.world).job(job_id).status
        answer = answers.get(f"get_job_status({job_id!r})", {})
        said = answer.get("ok", f"an error ({answer['error']})" if "error" in answer else None)
        if said != truth:
            wrong.append(f"get_job_status({job_id!r}) returned {said!r} while the service reports {truth!r}")
    for status in statuses:
        for method, want in (("is_job_active", status in ACTIVE), ("is_job_succeeded", status == SUCCEEDED)):
            answer = answers.get(f"{method}({status!r})")
            if answer is None:
                continue
            if "error" in answer:
                wrong.append(f"{method}({status!r}) raised {answer['error']}")
            elif bool(answer["ok"]) != want:
                wrong.append(f"{method}({status!r}) returned {answer['ok']!r}")
    return wrong


def _reconnects(matrix: Matrix) -> list[CheckResult]:
    results = []
    for scenario, report in matrix.runs:
        if any(f.point == GAP for f in scenario.faults):
            continue  # judged by "same return value" only: the documented gap bills twice
        problems = []
        if not report.succeeded:
            problems.append(equivalence.run_failed_symptom(report, scenario.label))
        for job, earlier, then in report.needless_submissions():
            problems.append(
                f"after {scenario.label}, try {report.try_that_submitted(job.id)} submitted {job.id} although "
                f"{earlier.id} was {then} (billed {dollars(report.billed_cents)} for {len(report.jobs)} jobs)"
            )
        if report.jobs_left_running and not report.needless_submissions():  # else the resubmission is the cause
            problems.append(f"after {scenario.label}, {', '.join(report.jobs_left_running)} was still running when the run ended")
        if problems and report.jobs:  # question the operator's methods about what went wrong
            wrong = probe_statuses(matrix, [job.id for job in report.jobs])
            if wrong:
                problems.append(
                    "your operator answers " + ", ".join(wrong) + "; the mixin submits a new job whenever a stored "
                    "job is neither active nor succeeded"
                )
        results.append(
            CheckResult("reconnects instead of resubmitting", scenario.label, not problems, "; ".join(problems), {"jobs": len(report.jobs)})
        )
    return results


def _return_value(matrix: Matrix) -> list[CheckResult]:
    assert matrix.clean is not None
    return [equivalence.same_return_value(s.label, r, matrix.clean) for s, r in matrix.runs]


HIDDEN = (
    Suite.of(
        WorldConfig(seed=13, job_pending_s=1.2, job_running_s=0.6, job_outcomes=(FAILED, SUCCEEDED)),
        ("while_pending", "while_running@2"),
        kill=True,
    ),
)

CHECKS = (
    Check(
        "clean run",
        _clean,
        (
            "Run it once without a crash: `report = lab.run(\"dags/resumable_fix.py\", world=WORLD); report.show(); report.jobs`.",
            "execute() must be `return self.execute_resumable(context)`; the mixin calls your six methods.",
            "submit_job returns the id from `self.client.submit(...)`; get_job_result returns `self.client.get_result(external_id)`.",
        ),
    ),
    Check(
        "reconnects instead of resubmitting",
        _reconnects,
        (
            "Look at `report.jobs` after a kill: which status did the first job have when the retry submitted the second?",
            "On a retry the mixin asks your get_job_status, then is_job_active and is_job_succeeded. A status that is "
            "neither counts as failed, and a failed job is submitted again.",
            "The service reports PENDING and RUNNING while a job is alive: is_job_active must be True for both.",
        ),
    ),
    Check(
        "same return value",
        _return_value,
        (
            "Compare `report.return_value()` of a clean run with a run after a kill at while_running.",
            "On Airflow 3.3.2, after a reconnect execute_resumable returns what poll_until_complete returns, and never calls get_job_result.",
            "Make poll_until_complete wait for the job, raise if it did not succeed, and return self.get_job_result(external_id, context).",
        ),
    ),
)

SPEC = ModuleSpec(
    id="03-resumable-jobs",
    title="Resumable external jobs",
    dag_id="resumable_fix",
    task_id=TASK,
    suite=SUITE,
    hidden=HIDDEN,
    operator_class="RevenueJobOperator",
    checks=CHECKS,
)
