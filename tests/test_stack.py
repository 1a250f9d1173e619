"""The worker stack: a real SIGKILL under a real executor, authentication on, nothing left behind."""

import json
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from retrylab.guards import TIMED_OUT
from tests.course_files import dag_source
from tests.processes import still_running

SLEEPER = '''
import time
from datetime import datetime
from pathlib import Path
from airflow.sdk import DAG, task

with DAG(dag_id="sleeper", schedule=None, start_date=datetime(2025, 1, 1), catchup=False):
    @task
    def nap():
        Path(__file__).with_name("napping").touch()  # the worker is in the task: tests wait for this, not a clock
        time.sleep(60)
    nap()
'''


def test_a_kill_is_a_real_sigkill_and_airflow_schedules_the_retry(lab, dag_file):
    naive = dag_file("naive.py", dag_source("03-resumable-jobs", "naive_submit_and_wait.py"))
    report = lab.run(naive, crash="while_running", kill=True)
    # Once (a loaded fresh clone) try 2 was still "running" when the report was read: say what the run did.
    log = lab.stack.log_lines()
    why = f"{report!r}, errors {[t.error for t in report.tries]}; the stack's log ends:\n" + "\n".join(log[-40:])
    assert [(t.try_number, t.state) for t in report.tries] == [(1, "failed"), (2, "success")], why
    assert report.tries[0].error == "the worker was killed (SIGKILL) at while_running"
    assert any("exit_code=<Negsignal.SIGKILL: -9>" in line and "final_state=up_for_retry" in line for line in log)
    assert len(report.jobs) == 2 and report.jobs_left_running == []


def test_the_api_server_has_authentication_on(lab):
    lab.stack.start()
    assert lab.stack.rest("GET", "/dags", auth=False).status_code == 401
    assert lab.stack.rest("GET", "/dags").status_code == 200


def test_a_task_that_overruns_its_time_limit_is_stopped_in_the_worker(lab, dag_file):
    report = lab.run(dag_file("sleeper.py", SLEEPER), kill=True, time_limit=2)
    assert report.state == "failed"
    assert report.tries[0].error.startswith(TIMED_OUT) and "in nap" in report.tries[0].error
    assert report.tries[0].seconds < 30  # stopped at its 2-s limit, not after its 60-s nap (start-up not counted)
    after = lab.run(dag_file("naive.py", dag_source("03-resumable-jobs", "naive_submit_and_wait.py")), kill=True)
    assert after.succeeded  # the stack (restarted if it had to be) runs the next DAG


def test_an_interrupt_whose_exception_was_swallowed_still_stops_the_run(lab, dag_file):
    # Python only prints a KeyboardInterrupt raised inside a destructor; the lab's handler also sets a flag,
    # which the wait for the stack's answer reads twice a second.
    path = dag_file("sleeper.py", SLEEPER)
    lab.stack.start()
    family = psutil.Process(lab.stack._proc.pid).children(recursive=True)
    asked = time.monotonic() + 3
    with pytest.raises(KeyboardInterrupt):
        lab.stack.run(path, "sleeper", 60, 1, world=lab.world.root, interrupted=lambda: time.monotonic() > asked)
    assert time.monotonic() - asked < 8  # at once, not when the task's 60 s are up
    assert not still_running([p.pid for p in family], within=10)


def test_no_process_is_left_when_the_kernel_that_started_the_stack_dies(tmp_path):
    owner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import json, psutil, retrylab
                lab = retrylab.open_lab({str(tmp_path / "sb")!r}, {str(tmp_path / "dags")!r})
                lab.stack.start()
                family = psutil.Process().children(recursive=True)
                print(json.dumps([p.pid for p in family]), flush=True)
                import time; time.sleep(120)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    pids = json.loads(owner.stdout.readline())
    assert len(pids) >= 2  # the stack's supervisor and the API server at least
    owner.kill()  # like a kernel killed by the OS: no atexit, no cleanup code runs
    owner.wait()
    assert not still_running(pids, within=20)


def test_an_interrupt_during_a_kill_mode_run_stops_every_stack_process(tmp_path):
    """Like Jupyter's stop button: the kernel lives on, nothing of the stack does."""
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "sleeper.py").write_text(SLEEPER)
    owner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import json, pathlib, threading, time, psutil, retrylab
                lab = retrylab.open_lab({str(tmp_path / "sb")!r}, {str(dags)!r})
                lab.stack.start()
                def report():
                    napping = pathlib.Path({str(dags / "napping")!r})
                    while not napping.exists():  # a busy machine takes its time to start the run's worker
                        time.sleep(0.1)
                    time.sleep(0.5)
                    family = psutil.Process().children(recursive=True)
                    print(json.dumps([p.pid for p in family]), flush=True)
                threading.Thread(target=report, daemon=True).start()
                started = time.monotonic()
                try:
                    report = lab.run({str(dags / "sleeper.py")!r}, kill=True, time_limit=60)
                    print(f"returned {{report.state}} after {{time.monotonic() - started:.0f}} s", flush=True)
                except KeyboardInterrupt:
                    print("interrupted", flush=True)
                time.sleep(60)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        stderr=(err := open(tmp_path / "owner.err", "w")),  # noqa: SIM115 (closed with the process)
        text=True,
    )
    try:
        pids = json.loads(owner.stdout.readline())
        assert len(pids) >= 3  # supervisor, API server, and the run's worker processes
        owner.send_signal(signal.SIGINT)
        said = owner.stdout.readline().strip()
        # Seen twice under load in CI: the "kernel" ended with exit code 0 and nothing on stderr, as if the interrupt
        # never reached it and it slept its 60 s out. It now says so ("returned ..."), should it happen again.
        assert said == "interrupted", f"exit code {owner.poll()}, stderr: {(tmp_path / 'owner.err').read_text()[-3000:]}"
        assert not still_running(pids, within=10) and owner.poll() is None  # the "kernel" lives on
    finally:
        owner.kill()
        err.close()
