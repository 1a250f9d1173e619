"""Module 03's checker: the naive task and each typical operator mistake fail with a named cause; the fix passes."""

import subprocess
import sys
from dataclasses import replace

import pytest

from retrylab import checks
from retrylab.checks.equivalence import Scenario
from retrylab.checks.m03_resumable_jobs import LONG_QUEUE, WORLD
from retrylab.checks.module import Suite
from retrylab.faults import plan
from tests.course_files import dag_source

M03 = checks.module("03-resumable-jobs")
# One kill while running, one while queued far longer than a retry takes even on a busy machine:
# enough to tell mistakes apart.
VERY_LONG_QUEUE = replace(LONG_QUEUE, job_pending_s=8.0, job_running_s=0.5)  # well under the 20 s try limit
QUICK = Suite.of(WORLD, ["while_running"], kill=True, more=(Scenario(plan("while_pending", mode="kill"), VERY_LONG_QUEUE, "a long queue"),))


@pytest.fixture(scope="module")
def fix() -> str:
    return dag_source("03-resumable-jobs", "resumable_fix.py")


def test_the_fix_passes_the_full_matrix_with_real_kills(grade, notebook_dag):
    verdict = grade(M03, notebook_dag("03-resumable-jobs", "resumable_fix.py"))
    assert verdict.passed, verdict.summary()
    assert len(verdict.of("reconnects instead of resubmitting")) == len(M03.suite.scenarios) - 1  # the gap is judged apart


def test_the_naive_task_pays_twice_and_says_so(lab, grade, dag_file):
    naive = dag_source("03-resumable-jobs", "naive_submit_and_wait.py").replace('"naive_submit_and_wait"', '"resumable_fix"')
    verdict = grade(M03, dag_file("naive.py", naive), suite=QUICK)
    bad = verdict.failed("reconnects instead of resubmitting")
    assert len(bad) == 2
    assert "after a worker kill at while_running on try 1, try 2 submitted job-" in bad[0].symptom
    # RUNNING, or SUCCEEDED when a busy machine started the retry late: either way it paid twice.
    assert "(billed $25.00 for 2 jobs)" in bad[0].symptom


@pytest.mark.parametrize(
    ("change", "check", "symptom"),
    [
        (('status in ("PENDING", "RUNNING")', 'status == "RUNNING"'), "reconnects instead of resubmitting", "is_job_active('PENDING') returned False"),
        (("return self.client.get_status(external_id)", "return self.client.get_status(external_id).lower()"), "reconnects instead of resubmitting", "get_job_status('job-"),
        (("        return self.get_job_result(external_id, context)\n", "        return None\n"), "same return value", "the task returned None after a long queue and a worker kill at while_pending"),
    ],
    ids=["pending-not-active", "lowercase-status", "reconnect-returns-none"],
)
def test_operator_mistakes_are_traced_to_the_method(lab, grade, dag_file, fix, change, check, symptom):
    assert change[0] in fix
    verdict = grade(M03, dag_file("mistake.py", fix.replace(*change)), suite=QUICK)
    assert any(symptom in r.symptom for r in verdict.failed(check)), verdict.summary()


@pytest.mark.parametrize(
    ("change", "symptom"),
    [
        (("return self.client.submit(self.job_name)", 'raise ConnectionError("service down")'), "ConnectionError: service down (your DAG file, line"),
        (("return self.client.submit(self.job_name)", "self.client.submit(self.job_name)"), "in poll_until_complete"),
        (("status = self.client.wait(external_id)", "while True:\n            pass"), "made no progress for 10 s (no call to the source, the warehouse or the batch service) and was stopped"),
    ],
    ids=["submit-raises", "submit-returns-none", "polls-forever"],
)
def test_a_broken_operator_is_explained_and_the_grader_moves_on(lab, grade, dag_file, fix, change, symptom):
    verdict = grade(M03, dag_file("broken.py", fix.replace(*change)), suite=QUICK)
    assert not verdict.passed
    assert all(symptom in r.symptom for r in verdict.results), verdict.summary()


@pytest.fixture
def cpu_hog():
    """Two busy processes beside the grader: a 2-core machine's worth of someone else's work."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    yield
    for hog in hogs:
        hog.kill()
        hog.wait()


def test_verdicts_do_not_depend_on_machine_load(lab, grade, dag_file, fix, cpu_hog):
    """Jobs age on the grader's clock, so a retry that a busy machine starts late still finds the job
    queued: the reconnect path is exercised, and a missing PENDING status fails every time."""
    assert grade(M03, dag_file("fix.py", fix), suite=QUICK).passed
    pending = grade(M03, dag_file("pending.py", fix.replace('status in ("PENDING", "RUNNING")', 'status == "RUNNING"')), suite=QUICK)
    failed = {(r.check, r.crash) for r in pending.results if not r.passed}
    assert ("reconnects instead of resubmitting", "a long queue and a worker kill at while_pending on try 1") in failed, pending.summary()
    assert all("while_running" not in crash for _check, crash in failed), pending.summary()
