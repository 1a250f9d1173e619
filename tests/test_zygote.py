"""The grading zygote: graders and try runners forked warm are still fresh processes, each in its own sandbox."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from retrylab import sandbox
from retrylab.grader import Grader
from retrylab.tries import TryRunner, zygote
from tests.course_files import dag_source
from tests.processes import still_running

# A DAG whose task id says how many times this process imported the file before: a zygote that had imported
# one submission's file (or kept what it did to the interpreter) would show it in the next runner's answer.
LEAKY = textwrap.dedent(
    """
    import builtins
    from airflow.sdk import dag, task

    SEEN = getattr(builtins, "_retrylab_leak", 0)
    builtins._retrylab_leak = SEEN + 1

    @dag(dag_id="leaky", schedule=None)
    def leaky():
        @task(task_id=f"imported_before_{SEEN}")
        def work():
            return SEEN
        work()

    leaky()
    """
)


@pytest.fixture(scope="module")
def warm():
    with zygote.Zygote() as z:
        yield z


def runner(root: Path) -> TryRunner:
    return TryRunner(sandbox.create(root), service_socket=str(root / "no-world.sock"))


def test_a_warm_grader_grades_in_its_own_sandbox_and_tells_right_from_wrong(warm, tmp_path, grades_for_real):
    solved = dag_source("00-orientation", "hello_retries.py")
    wrong = solved.replace("retries=2", "retries=0")
    assert wrong != solved
    verdicts = {}
    for name, source in (("solved", solved), ("wrong", wrong)):
        (tmp_path / name).mkdir()
        dag = tmp_path / name / "hello_retries.py"
        dag.write_text(source)
        grader = Grader(tmp_path / name / "grader")
        try:
            verdicts[name] = grader.grade("00-orientation", dag)
            assert isinstance(grader._proc, zygote.ForkedProcess)  # forked, not started cold
        finally:
            grader.close()
        runs = sqlite3.connect(tmp_path / name / "grader" / "airflow" / "airflow.db").execute("select count(*) from dag_run")
        assert runs.fetchone()[0] >= 3  # the clean run and the crash scenarios, in this grader's own database
    assert verdicts["solved"].passed and not verdicts["wrong"].passed
    own = sqlite3.connect(warm.folder / "home" / "airflow" / "airflow.db").execute("select count(*) from dag_run")
    assert own.fetchone()[0] == 0  # nothing ran in the zygote's database


def test_nothing_one_submission_imports_reaches_the_next(warm, tmp_path):
    seen = []
    for name in ("first", "second"):
        dags = tmp_path / name / "dags"
        dags.mkdir(parents=True)
        (dags / "leaky.py").write_text(LEAKY)
        one = runner(tmp_path / name)
        try:
            one.start()
            assert isinstance(one._proc, zygote.ForkedProcess)
            for _ in range(2):  # the same runner imports the file twice: that is one process, so it counts
                seen.append(sorted(one.request({"op": "describe", "dag_file": str(dags / "leaky.py")}, 60)["dags"]["leaky"]))
        finally:
            one.close()
    assert seen == [["imported_before_0"], ["imported_before_1"], ["imported_before_0"], ["imported_before_1"]]


def test_a_child_goes_when_its_client_does_and_reports_how_it_ended(warm, tmp_path):
    with open(tmp_path / "log", "w") as log:
        child = zygote.spawn("retrylab.tries.runner", [], {**os.environ, **sandbox.create(tmp_path / "a").env()}, log)
        other = zygote.spawn("retrylab.tries.runner", [], {**os.environ, **sandbox.create(tmp_path / "b").env()}, log)
    assert child is not None and other is not None
    assert child.stdout.readline().startswith('{"ready"')
    child.stdin.close()  # the runner's request stream ends: it exits cleanly
    assert child.wait(30) == 0
    os.kill(other.pid, signal.SIGKILL)
    assert other.wait(30) == -signal.SIGKILL
    third = zygote.spawn("retrylab.tries.runner", [], {**os.environ, **sandbox.create(tmp_path / "c").env()}, open(os.devnull, "w"))
    assert third is not None
    third._conn.close()  # the grader holding it died without a word
    assert not still_running([third.pid], within=10), "the zygote left a runner whose grader had gone"


def test_its_children_go_with_the_zygote_and_without_one_processes_start_cold(tmp_path):
    before = os.environ.get(zygote.SOCKET_ENV)
    z = zygote.Zygote().start()
    one = runner(tmp_path / "a")
    one.start()
    assert isinstance(one._proc, zygote.ForkedProcess) and os.environ[zygote.SOCKET_ENV] == str(z.socket)
    z.stop()
    assert not still_running([one.pid], within=10) and os.environ.get(zygote.SOCKET_ENV) == before
    one.close()
    os.environ[zygote.SOCKET_ENV] = str(tmp_path / "nobody-listens.sock")
    try:
        cold = runner(tmp_path / "b")
        cold.start()
        assert not isinstance(cold._proc, zygote.ForkedProcess)
        assert "imported_before_0" in str(cold.request({"op": "describe", "dag_file": str(_leaky(tmp_path))}, 60))
        cold.close()
    finally:
        os.environ.pop(zygote.SOCKET_ENV)
        if before is not None:
            os.environ[zygote.SOCKET_ENV] = before


def test_a_zygote_started_from_a_thread_outlives_the_thread_and_not_its_process(tmp_path):
    started: list[zygote.Zygote] = []
    thread = threading.Thread(target=lambda: started.append(zygote.Zygote().start()))
    thread.start()
    thread.join()  # a thread that ends (as the tests' grading threads do) must not take the zygote with it
    z = started[0]
    try:
        time.sleep(1)
        one = runner(tmp_path / "a")
        one.start()
        assert isinstance(one._proc, zygote.ForkedProcess) and z.running
        one.close()
    finally:
        z.stop()
    owner = subprocess.Popen(
        [sys.executable, "-c", "from retrylab.tries import zygote; z = zygote.Zygote().start(); print(z._proc.pid, flush=True); input()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    pid = int(owner.stdout.readline())
    owner.kill()  # no clean-up code runs in the owner
    owner.wait()
    assert not still_running([pid], within=10), "the zygote outlived the process that started it"


def _leaky(folder: Path) -> Path:
    (folder / "leaky.py").write_text(LEAKY)
    return folder / "leaky.py"
