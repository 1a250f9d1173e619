"""Every try in a process of its own, judged from evidence its code cannot write.

``IsolatedLab`` (``lab.py``) is what graders run DAGs with: the world is a
service in the grader's process (``retrylab.world.service``), and a try
runner (``runner.py``, a child process) runs the DAG with an executor that
forks each try (``executor.py``). ``TryRunner`` below is the grader's handle
on that child: start it, send it a request, and never wait on it forever.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import selectors
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from retrylab import sandbox
from retrylab.errors import LabError
from retrylab.tries import zygote
from retrylab.world import remote

START_TIMEOUT = 90.0


class RunnerDied(LabError):
    """The try runner ended or stopped answering; the message says what the DAG's code did."""


class TryRunner:
    """The child process that runs DAGs for a grader (see ``runner.py``)."""

    def __init__(self, box: sandbox.Sandbox, service_socket: str) -> None:
        self.box = box
        self.service_socket = service_socket
        self._proc: subprocess.Popen[str] | zygote.ForkedProcess | None = None
        self.startup_seconds = 0.0

    @property
    def log_file(self) -> Path:
        return self.box.root / "try-runner.log"

    @property
    def pid(self) -> int:
        return self._proc.pid if self._proc else 0

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RETRYLAB_WORLD")}
        env.update(self.box.env())
        env.pop(sandbox.WORLD_ENV, None)  # the world is the service's: no folder a task could write to
        return env | {
            remote.SOCKET_ENV: self.service_socket,
            "AIRFLOW__CORE__EXECUTOR": "retrylab.tries.executor.ProcessPerTryExecutor",
            "PYTHONUNBUFFERED": "1",
            "NO_COLOR": "1",
        }

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> float:
        if self.running:
            return self.startup_seconds
        started = time.monotonic()
        self._proc = zygote.python_process("retrylab.tries.runner", [], self.env(), self.log_file)
        _LIVE.add(self)
        reply = self._receive(START_TIMEOUT, "start")
        if reply.get("ready") is not True:
            self.close()
            raise RunnerDied(f"The try runner did not start: {reply}. See {self.log_file}.")
        self.startup_seconds = time.monotonic() - started
        return self.startup_seconds

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request; its answer, or RunnerDied (the runner is stopped and restarts on next use)."""
        self.start()
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write(json.dumps(message) + "\n")
            self._proc.stdin.flush()
            return self._receive(timeout, message["op"])
        except BrokenPipeError:
            raise self._died(message["op"]) from None
        except BaseException:  # an interrupt or a time-out: nothing of this request may keep running
            self.close()
            raise

    def _receive(self, timeout: float, what: str) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(self._proc.stdout, selectors.EVENT_READ)
            if not sel.select(timeout):
                self.close()
                raise RunnerDied(f"gave no answer within {timeout:.0f} s and was stopped")
        line = self._proc.stdout.readline()
        if not line:
            raise self._died(what)
        return json.loads(line)

    def _died(self, what: str) -> RunnerDied:
        code = self._proc.wait(5) if self._proc else None
        self.close()
        how = f"exited with code {code}" if code is None or code >= 0 else f"was killed by signal {-code}"
        return RunnerDied(
            f"the process running the DAG {how} during {what} (the DAG's code ends the process, e.g. with "
            "os._exit or sys.exit at import time?)"
        )

    def close(self) -> None:
        """Stop the runner and every try it forked (its whole process group)."""
        proc, self._proc = self._proc, None
        _LIVE.discard(self)
        if proc is None:
            return
        import psutil

        family: list = []
        with contextlib.suppress(psutil.Error):
            family = psutil.Process(proc.pid).children(recursive=True)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        for child in family:  # tries run in process groups of their own
            with contextlib.suppress(psutil.Error):
                child.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)
        for stream in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                stream and stream.close()


_LIVE: set[TryRunner] = set()


@atexit.register
def close_all() -> None:
    for runner in list(_LIVE):
        runner.close()
