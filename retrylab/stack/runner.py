"""The worker stack's supervisor process: API server child + ``dag.test(use_executor=True)``.

With ``--deployment`` it starts a scheduler and a DAG processor as well and
runs nothing itself: Airflow schedules what it finds in the DAGs folder.

Protocol: one JSON object per line. It answers ``{"ready": true}`` once the
API server is healthy, then reads requests ``{"dag_file", "dag_id",
"time_limit"}`` from stdin and answers ``{"run_id", "state"}`` or
``{"error"}``. Airflow's own logging (and the task logs the executor prints)
goes to the stack's log file: the answer channel is a private copy of the
original stdout.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from retrylab import guards
from retrylab.stack import (  # the package is imported first anyway (python -m)
    CELERY_WORKERS_ENV,
    WORKER_NAME_ENV,
    signal_when_parent_dies,
)

HEALTH_PATH = "/api/v2/monitor/health"


def _kill_descendants(*_args) -> None:
    """Kill every process this supervisor started (task processes sit in their own groups)."""
    import psutil

    me = psutil.Process()
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            child.kill()
    os._exit(0)


def _airflow_child() -> None:
    """An Airflow server process: a process group of its own, killed with the supervisor."""
    os.setpgid(0, 0)
    signal_when_parent_dies(signal.SIGKILL)


def _start_airflow(*command: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "airflow", *command],
        stdin=subprocess.DEVNULL,
        stdout=sys.stderr,
        stderr=sys.stderr,
        preexec_fn=_airflow_child,
        env=env,
    )



def _start_celery_workers() -> None:
    """``airflow celery worker`` processes on this machine, each told apart in its environment (its name goes
    to the grading ledger); they live and die with this supervisor, like the scheduler."""
    workers, _, slots = os.environ.get(CELERY_WORKERS_ENV, "0x1").partition("x")
    for n in range(1, int(workers) + 1):
        name = f"celery-{n}"
        _start_airflow(
            "celery", "worker", "--concurrency", slots, "--celery-hostname", f"{name}@%h",
            "--skip-serve-logs", "--without-mingle", "--without-gossip",
            env={**os.environ, WORKER_NAME_ENV: name},
        )


def _start_api_server() -> subprocess.Popen:
    return _start_airflow("api-server", "--host", "127.0.0.1", "--port", os.environ["AIRFLOW__API__PORT"])


def _wait_healthy(server: subprocess.Popen, timeout: float = 80.0) -> None:
    import httpx

    url = f"http://127.0.0.1:{os.environ['AIRFLOW__API__PORT']}{HEALTH_PATH}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"airflow api-server exited with code {server.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"airflow api-server was not healthy after {timeout:.0f} s")


def main(deployment: bool = False) -> None:
    """``deployment``: also start ``airflow scheduler`` and ``airflow dag-processor`` and run no DAG itself."""
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # Airflow and the task logs print to stdout: send them to the log
    signal.signal(signal.SIGTERM, _kill_descendants)
    import faulthandler

    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>` prints every thread's stack to the log
    os.environ["RETRYLAB_ALLOW_KILL"] = "1"  # only task processes (forked below) ever fire it
    guards.install_task_policy()
    server = _start_api_server()
    global _API_SERVER_PID
    _API_SERVER_PID = server.pid
    try:
        import airflow  # noqa: F401 - import while the API server starts
        from airflow.dag_processing.dagbag import DagBag

        _wait_healthy(server)
    except Exception as exc:  # noqa: BLE001 - reported to the lab, which explains it
        answers.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
        _kill_descendants()
    if deployment:
        _start_airflow("dag-processor")
        _start_airflow("scheduler")
        _start_celery_workers()
    answers.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        if not deployment:
            _run(DagBag, json.loads(line), answers)
    _kill_descendants()  # stdin closed: the lab that started us is gone


STUCK_AFTER = 15.0  # seconds dag.test() may go on after its run finished before its workers are stopped
_API_SERVER_PID = 0


def _run(dag_bag_cls, request: dict, answers) -> None:
    """Run the DAG with dag.test(use_executor=True) and answer once the run is over.

    The answer goes out as soon as Airflow's DB says the run finished: dag.test()
    then still spends seconds in ``executor.end()`` waiting for the worker's
    supervisor to wind down, and the lab need not wait for that. A watcher
    thread does the DB polling (dag.test stays in the main thread, where
    Airflow's signal-based timeouts work). If dag.test() has not returned 15 s
    after its run finished, a task process outlived its timeout and keeps
    executor.end() waiting: the watcher stops the executor's processes.
    """
    from airflow.sdk import timezone

    os.environ["RETRYLAB_TIME_LIMIT"] = str(request["time_limit"])
    os.environ["RETRYLAB_WORLD"] = request["world"]  # the environment this run belongs to
    path = Path(request["dag_file"])
    bag = dag_bag_cls(dag_folder=str(path), bundle_path=path.parent, safe_mode=False)
    if bag.import_errors:
        answers.write(json.dumps({"error": next(iter(bag.import_errors.values()))}) + "\n")
        return
    dag = bag.dags.get(request["dag_id"])
    if dag is None:
        answers.write(json.dumps({"error": f"{path.name} has no DAG {request['dag_id']!r}"}) + "\n")
        return
    started = timezone.utcnow()
    answer = _Answer(answers)
    done = threading.Event()
    watcher = threading.Thread(target=_watch, args=(request["dag_id"], started, answer, done), daemon=True)
    watcher.start()
    try:
        dag_run = dag.test(use_executor=True, logical_date=started)
        answer.send({"run_id": dag_run.run_id, "state": str(getattr(dag_run.state, "value", dag_run.state))})
    except Exception as exc:  # noqa: BLE001 - reported to the lab
        answer.send({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        done.set()
        watcher.join()


def _stop_workers() -> None:
    """Kill every process of the executor (workers, supervisors, tasks), never the API server."""
    import psutil

    keep = {_API_SERVER_PID}
    with contextlib.suppress(psutil.Error):
        keep |= {c.pid for c in psutil.Process(_API_SERVER_PID).children(recursive=True)}
    for child in psutil.Process().children(recursive=True):
        if child.pid not in keep:
            with contextlib.suppress(psutil.Error):
                child.kill()


class _Answer:
    """One answer per request, from whichever thread knows first."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.lock = threading.Lock()
        self.sent = False

    def send(self, message: dict) -> None:
        with self.lock:
            if not self.sent:
                self.stream.write(json.dumps(message) + "\n")
                self.sent = True


def _watch(dag_id: str, since, answer: _Answer, done: threading.Event) -> None:
    from airflow import settings
    from airflow.models.dagrun import DagRun
    from sqlalchemy import select

    finished_at = None
    try:
        while not done.wait(0.3):
            session = settings.Session()
            row = session.execute(
                select(DagRun.run_id, DagRun.state).where(DagRun.dag_id == dag_id, DagRun.logical_date == since).limit(1)
            ).first()
            session.rollback()
            state = str(getattr(row[1], "value", row[1])) if row else ""
            if state in ("success", "failed"):
                answer.send({"run_id": row[0], "state": state})
                finished_at = finished_at or time.monotonic()
                if time.monotonic() - finished_at > STUCK_AFTER:
                    # executor.end() waits for a task process that outlived its own timeout
                    # (a learner's endless loop): stop the workers so dag.test() can return.
                    _stop_workers()
                    finished_at = time.monotonic()
    finally:
        settings.Session.remove()  # give this thread's connection back to the pool


if __name__ == "__main__":
    main(deployment="--deployment" in sys.argv)
