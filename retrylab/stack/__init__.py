"""A real Airflow stack in which a worker can die: API server, LocalExecutor, task processes.

Why: under ``dag.test()`` a task runs inside the notebook kernel, so killing
"the worker" would kill the kernel. Here the lab starts, once per sandbox, one
supervisor process (``retrylab.stack.runner``) that starts ``airflow
api-server`` on 127.0.0.1 (authentication on) and runs DAGs with
``dag.test(use_executor=True)``: Airflow's LocalExecutor forks a worker, the
worker's supervisor forks the task process, and a kill-mode crash sends
SIGKILL to that task process. Airflow itself notices the dead task and
schedules the retry; the lab adds no scheduling logic.

Nothing is left behind: the supervisor and everything it starts share one
process group, which the lab kills on close, at exit, on an interrupt, and
which kills itself when the kernel that started it goes away (its stdin
closes, or the kernel dies and Linux sends the parent-death signal).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrylab import sandbox
from retrylab.errors import LabError

START_TIMEOUT = 90.0
CELERY_WORKERS_ENV = "RETRYLAB_CELERY_WORKERS"  # "<workers>x<slots>": a deployment with that many Celery workers
WORKER_NAME_ENV = "RETRYLAB_GRADING_WORKER"  # each Celery worker's name ("celery-1"...), for the grading ledger


class StackError(LabError):
    """The worker stack could not start or answer; the message says what to look at."""


@dataclass(frozen=True)
class StackRun:
    run_id: str
    state: str
    timed_out: bool = False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _airflow_settings() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith("AIRFLOW__")}


def signal_when_parent_dies(sig: int) -> None:
    """Linux only: ask the kernel to send ``sig`` to this process when its parent dies (PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, sig)


def _die_with_parent() -> None:
    """In the child before exec: on Linux, get SIGTERM (and clean up) when the kernel dies."""
    os.setsid()
    signal_when_parent_dies(signal.SIGTERM)


class WorkerStack:
    """The API server and the executor-backed runner for one sandbox."""

    command: tuple[str, ...] = ("-m", "retrylab.stack.runner")
    log_name = "worker-stack.log"

    def __init__(self, box: sandbox.Sandbox) -> None:
        self.box = box
        self.port = 0
        self.startup_seconds = 0.0
        self._proc: subprocess.Popen[str] | None = None
        self._token: str | None = None
        self._settings: dict[str, str] = {}

    @property
    def log_file(self) -> Path:
        return self.box.root / self.log_name

    def log_lines(self) -> list[str]:
        """The stack's log (API server, executor, task processes) without colour codes."""
        if not self.log_file.exists():
            return []
        return re.sub(r"\x1b\[[0-9;]*m", "", self.log_file.read_text(errors="replace")).splitlines()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            **self.box.env(),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "2",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__BASE_URL": self.api_url,
            # The task supervisor checks for its task's exit between heartbeats: when the task's sockets close
            # a moment before the process is reaped, it sleeps a whole interval (5 s by default) before noticing,
            # and the executor waits with it. One second keeps back-to-back runs quick.
            "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
            "PYTHONUNBUFFERED": "1",
            "NO_COLOR": "1",  # plain log lines, so they can be searched
        }

    def start(self) -> float:
        """Start (or keep) the stack; returns the seconds start-up took.

        A stack started under other Airflow settings (``lab.settings(...)``) is
        restarted: its processes read their settings when they started.
        """
        if self.running and self._settings == _airflow_settings():
            return self.startup_seconds
        self.close()
        self._settings = _airflow_settings()
        started = time.monotonic()
        self.port = free_port()
        log = open(self.log_file, "a")  # noqa: SIM115 - handed to the child
        self._proc = subprocess.Popen(
            [sys.executable, *self.command],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=self.env(),
            text=True,
            bufsize=1,
            preexec_fn=_die_with_parent,
        )
        log.close()
        _LIVE.add(self)
        reply = self._receive(START_TIMEOUT, "start")
        if reply.get("ready") is not True:
            self.close()
            raise StackError(f"The worker stack did not start: {reply.get('error', reply)}. See {self.log_file}.")
        self.startup_seconds = time.monotonic() - started
        return self.startup_seconds

    def run(
        self, dag_file: Path, dag_id: str, time_limit: float, tries: int, world: Path, interrupted=lambda: False
    ) -> StackRun:
        """Run the DAG once under the executor, in ``world``; kill everything if it overruns.

        ``interrupted()`` is asked twice a second: an interrupt whose KeyboardInterrupt was swallowed (raised
        inside a destructor, where Python only prints it) still stops the run.
        """
        self.start()
        assert self._proc is not None and self._proc.stdin is not None
        request = {"dag_file": str(dag_file), "dag_id": dag_id, "time_limit": time_limit, "world": str(world)}
        self._proc.stdin.write(json.dumps(request) + "\n")
        self._proc.stdin.flush()
        deadline = time_limit * max(tries, 1) + 20
        try:
            reply = self._receive(deadline, "run", interrupted)
        except StackError:
            self.close()  # a run that overran: stop its worker and task processes too
            return StackRun(run_id="", state="failed", timed_out=True)
        except BaseException:  # an interrupt: nothing of this run may keep running
            self.close()
            raise
        if "error" in reply:
            raise StackError(reply["error"])
        return StackRun(reply["run_id"], reply["state"])

    def _receive(self, timeout: float, what: str, interrupted=lambda: False) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        import selectors

        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(self._proc.stdout, selectors.EVENT_READ)
            while not sel.select(min(0.5, max(0.0, deadline - time.monotonic()))):
                if interrupted():
                    raise KeyboardInterrupt(f"The worker stack's {what} was interrupted.")
                if time.monotonic() >= deadline:
                    raise StackError(f"The worker stack gave no answer to {what} within {timeout:.0f} s.")
        line = self._proc.stdout.readline()
        if not line:
            code = self._proc.poll()
            raise StackError(f"The worker stack exited (code {code}) during {what}. See {self.log_file}.")
        return json.loads(line)

    # -- the REST API, as an operator or the UI would use it --------------
    def token(self) -> str:
        """A JWT for the admin user (the API server has authentication on)."""
        if self._token is None:
            import httpx

            passwords = json.loads((self.box.home / "simple_auth_manager_passwords.json.generated").read_text())
            reply = httpx.post(f"{self.api_url}/auth/token", json={"username": "admin", "password": passwords["admin"]})
            reply.raise_for_status()
            self._token = reply.json()["access_token"]
        return self._token

    def rest(self, method: str, path: str, *, auth: bool = True, **kwargs: Any):
        """Call ``/api/v2`` (``path`` starts after it); returns the httpx response."""
        import httpx

        self.start()
        headers = {"Authorization": f"Bearer {self.token()}"} if auth else {}
        return httpx.request(method, f"{self.api_url}/api/v2{path}", headers=headers, timeout=30, **kwargs)

    def close(self) -> None:
        """Stop the supervisor and every process it started (its whole process group)."""
        proc, self._proc, self._token = self._proc, None, None
        _LIVE.discard(self)
        if proc is None:
            return
        import psutil

        family: list = []
        with contextlib.suppress(psutil.Error):
            family = psutil.Process(proc.pid).children(recursive=True)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        for child in family:  # task processes run in process groups of their own
            with contextlib.suppress(psutil.Error):
                child.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)
        for stream in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                stream and stream.close()


class Deployment(WorkerStack):
    """Airflow as it runs in production: API server, scheduler, DAG processor, LocalExecutor.

    The scheduler schedules what the DAG processor finds in the sandbox's DAGs
    folder; DAGs start paused, so only the DAGs a lesson unpauses run. Never
    alongside ``dag.test()`` runs in the same sandbox: the scheduler would
    schedule their task instances too (the lab refuses that).
    """

    command = ("-m", "retrylab.stack.runner", "--deployment")
    log_name = "deployment.log"

    def env(self) -> dict[str, str]:
        return super().env() | {
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "2",  # see new and changed DAG files within seconds
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "2",
            "AIRFLOW__SCHEDULER__PARSING_CLEANUP_INTERVAL": "2",  # how often orphaned assets are swept
            "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.5",
        }

    def run(self, *args: Any, **kwargs: Any) -> StackRun:
        raise StackError("A deployment runs what its scheduler schedules: unpause or trigger a DAG instead.")

    def dag(self, dag_id: str, timeout: float = 60.0) -> dict[str, Any]:
        """The DAG as the API server knows it, once the DAG processor has parsed its file."""
        return self._poll(lambda: _ok_json(self.rest("GET", f"/dags/{dag_id}")), timeout, f"the DAG {dag_id!r} to be parsed")

    def unpause(self, dag_id: str) -> dict[str, Any]:
        """Unpause as an operator would (PATCH /dags/{dag_id}); the scheduler takes it from there."""
        self.dag(dag_id)
        reply = self.rest("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
        reply.raise_for_status()
        return reply.json()

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        """Trigger a run (POST /dags/{dag_id}/dagRuns), with ``conf`` if given; returns its run_id."""
        from datetime import datetime, timezone

        body = {"logical_date": datetime.now(timezone.utc).isoformat(), **({"conf": conf} if conf else {})}
        reply = self.rest("POST", f"/dags/{dag_id}/dagRuns", json=body)
        reply.raise_for_status()
        return reply.json()["dag_run_id"]

    def dag_runs(self, dag_id: str, newest: int = 50) -> list[dict[str, Any]]:
        """The ``newest`` runs of ``dag_id``, oldest first (the API pages its answers: ask newest first)."""
        reply = self.rest("GET", f"/dags/{dag_id}/dagRuns", params={"order_by": "-id", "limit": newest})
        reply.raise_for_status()
        return reply.json()["dag_runs"][::-1]

    def start(self) -> float:
        from datetime import datetime, timezone

        if not (self.running and self._settings == _airflow_settings()):
            self.started_at = datetime.now(timezone.utc).isoformat()
        return super().start()

    def wait_for_run(self, dag_id: str, *, triggered_by: dict[str, Any] | None = None, timeout: float = 90.0) -> dict[str, Any]:
        """The first run this deployment queued for ``dag_id`` once it finished, as the REST API shows it.

        With ``triggered_by`` (a producer's run), the first asset-triggered run that consumed that run's asset
        event; its ``asset_events`` are added to the answer.
        """

        def finished() -> dict[str, Any] | None:
            for run in self.dag_runs(dag_id):
                if (run.get("queued_at") or "") < self.started_at or run["state"] not in ("success", "failed"):
                    continue
                if triggered_by is None:
                    return run
                reply = self.rest("GET", f"/dags/{dag_id}/dagRuns/{run['dag_run_id']}/upstreamAssetEvents")
                events = reply.json().get("asset_events", []) if reply.status_code == 200 else []
                if any(e.get("source_run_id") == triggered_by["dag_run_id"] for e in events):
                    return run | {"asset_events": events}
            return None

        what = f"a run of {dag_id!r}" + (f" triggered by {triggered_by['dag_run_id']}" if triggered_by else "")
        return self._poll(finished, timeout, what + " to finish")

    def wait_for(self, dag_id: str, run_id: str, timeout: float = 90.0) -> dict[str, Any]:
        """The run ``run_id`` (one this deployment was asked to trigger) once it finished, as the REST API shows it."""

        def finished() -> dict[str, Any] | None:
            run = _ok_json(self.rest("GET", f"/dags/{dag_id}/dagRuns/{run_id}")) or {}
            return run if run.get("state") in ("success", "failed") else None

        return self._poll(finished, timeout, f"the run {run_id} of {dag_id!r} to finish")

    def _poll(self, probe, timeout: float, what: str):
        """``probe()`` every half second until it answers; a request that times out on a busy machine (the API
        server's answer took over 30 s) is asked again until the wait's own deadline, not raised."""
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise StackError(f"The deployment stopped while waiting for {what}. See {self.log_file}.")
            try:
                found = probe()
            except httpx.TimeoutException:
                continue
            if found:
                return found
            time.sleep(0.5)
        raise StackError(f"Waited {timeout:.0f} s for {what}. See {self.log_file}.")


def _ok_json(reply) -> dict[str, Any] | None:
    return reply.json() if reply.status_code == 200 else None


_LIVE: set[WorkerStack] = set()


@atexit.register
def close_all() -> None:
    """Stop every worker stack this process started."""
    for stack in list(_LIVE):
        stack.close()
