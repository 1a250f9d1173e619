"""The grader as a process of its own, so that what a notebook ran cannot reach the verdict.

Why: a notebook kernel imports the learner's DAG file whenever a lesson cell
runs it, and code a DAG file runs at import can patch anything in that
process. So ``ex.check()`` and ``ex.grade()`` ask a grader process
(``server.py``) that never imports learner code: it runs the DAG in an
``IsolatedLab`` (every try in its own process, the world a service it holds)
and sends back the verdict as data. One grader serves a kernel for its whole
session, so its Airflow start-up is paid once, and it ends with the kernel.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from retrylab.checks.module import Suite
from retrylab.checks.results import Verdict
from retrylab.errors import LabError
from retrylab.tries import zygote

START_TIMEOUT = 120.0
GRADE_TIMEOUT = 1800.0


class GraderError(LabError):
    """The grader process could not grade; the message says why."""


class Grader:
    """A handle on one grader process with its own sandbox in ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._proc: subprocess.Popen[str] | zygote.ForkedProcess | None = None

    @property
    def log_file(self) -> Path:
        return self.root.parent / f"{self.root.name}.log"

    def start(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        self.root.parent.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "RETRYLAB_WORLD"))}
        from retrylab.grader.server import sandbox_of

        env |= sandbox_of(self.root).env()  # the grader's own Airflow, never the kernel's
        self._proc = zygote.python_process("retrylab.grader.server", [str(self.root)], env, self.log_file)
        _LIVE.add(self)
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(self._proc.stdout,), name="retrylab-grader-reader", daemon=True).start()
        reply = self._receive(START_TIMEOUT, progress=False)
        if reply.get("ready") is not True:
            self.close()
            raise GraderError(f"The grader did not start: {reply.get('error', reply)}. See {self.log_file}.")

    def grade(
        self,
        module: str,
        dag_file: str | Path,
        *,
        suite: Suite | None = None,
        hidden: bool = False,
        only: tuple[str, ...] = (),
        progress: bool = False,
        fail_fast: bool = False,
    ) -> Verdict:
        """The verdict of ``module``'s checks on ``dag_file`` (its public suite, ``suite``, or its hidden ones)."""
        self.start()
        assert self._proc is not None and self._proc.stdin is not None
        request = {
            "module": module,
            "dag_file": str(Path(dag_file).resolve()),
            "shown_as": str(dag_file),  # as the learner wrote it: messages never show the machine's paths
            "suite": suite.to_json() if suite else None,
            "hidden": hidden,
            "only": list(only),
            "fail_fast": fail_fast,
        }
        try:
            self._proc.stdin.write(json.dumps(request) + "\n")
            self._proc.stdin.flush()
            reply = self._receive(GRADE_TIMEOUT, progress=progress)
        except BrokenPipeError:
            self.close()
            raise GraderError(f"The grader stopped. See {self.log_file}.") from None
        except BaseException:
            self.close()  # an interrupt: nothing of this grade may keep running
            raise
        if "error" in reply:
            raise GraderError(reply["error"])
        return Verdict.from_json(reply["verdict"])

    def _receive(self, timeout: float, *, progress: bool) -> dict[str, Any]:
        """The next answer (progress lines printed on the way); lines come from a reader thread, so none is
        ever left waiting in a buffer that a select() on the pipe would not see."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.close()
                raise GraderError(f"The grader gave no answer within {timeout:.0f} s. See {self.log_file}.") from None
            if line is None:
                code = self._proc.poll() if self._proc else None
                self.close()
                raise GraderError(f"The grader exited (code {code}). See {self.log_file}.")
            message = json.loads(line)
            if "progress" not in message:
                return message
            if progress:
                sys.stdout.write(message["progress"])
                sys.stdout.flush()

    def _read(self, stream) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)  # the grader's stdout closed: it exited

    def close(self) -> None:
        proc, self._proc = self._proc, None
        _LIVE.discard(self)
        if proc is None:
            return
        with contextlib.suppress(OSError):
            proc.stdin and proc.stdin.close()  # the grader stops its runner and exits
        zygote.wait_or_kill(proc, 5)
        with contextlib.suppress(OSError):
            proc.stdout and proc.stdout.close()


_LIVE: set[Grader] = set()
_GRADERS: dict[Path, Grader] = {}


def for_sandbox(sandbox_root: Path) -> Grader:
    """The grader of a notebook's sandbox (one per kernel, started on first use)."""
    root = Path(sandbox_root).resolve() / "grader"
    if root not in _GRADERS:
        _GRADERS[root] = Grader(root)
    return _GRADERS[root]


@atexit.register
def close_all() -> None:
    for grader in list(_LIVE):
        grader.close()
