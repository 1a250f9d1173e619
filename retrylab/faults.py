"""Named crash points, fired on a chosen try.

Why named points: "it crashed somewhere" cannot be reproduced or graded;
"it crashed at between_pages:3 on try 1" can. The world calls ``reach()`` at
each point it passes; the fault plan (kept in the world's config on disk, so a
worker process sees it too) says on which try a point crashes the task.

Two modes: ``exception`` raises ``InjectedCrash`` inside the task (fast, works
under ``dag.test()``); ``kill`` sends SIGKILL to the process running the task,
which only makes sense when a real executor runs the task in its own process.
"""

from __future__ import annotations

import os
import re
import signal
from dataclasses import asdict, dataclass, replace

MODES = ("exception", "kill")
KILL_ALLOWED_ENV = "RETRYLAB_ALLOW_KILL"

_PATTERNS = {
    "between_pages": re.compile(r"between_pages:(\d+)"),
    "mid_page": re.compile(r"mid_page:(\d+):(\d+)"),
    "after_load": re.compile(r"after_load:(\d+)"),
    # The batch-job service's points (no numbers: a task runs one job at a time).
    "after_submit": re.compile(r"after_submit"),
    "while_pending": re.compile(r"while_pending"),
    "while_running": re.compile(r"while_running"),
    "job_done": re.compile(r"job_done"),
    "after_result": re.compile(r"after_result"),
    # The landing table's points (module 04): a load is one transaction.
    "before_load": re.compile(r"before_load"),
    "before_commit": re.compile(r"before_commit"),
    "after_commit": re.compile(r"after_commit"),
}
DESCRIPTIONS = {
    "between_pages": "after page {page} was loaded, before the next page is fetched",
    "mid_page": "inside page {page}, right after its record #{record} was loaded",
    "after_load": "after the last record of page {page} was loaded, before anything else runs",
    "after_submit": "right after the batch service accepted the job, before the caller saw its id",
    "while_pending": "at the first status check that finds the job PENDING",
    "while_running": "at the first status check that finds the job RUNNING",
    "job_done": "at the first status check that finds the job finished",
    "after_result": "right after the job's result was read, before the task returned",
    "before_load": "after the new records were fetched, before the warehouse load began",
    "before_commit": "inside the warehouse load, after its rows were written and before it committed (nothing is kept)",
    "after_commit": "right after the warehouse load committed, before the watermark moved",
}
JOB_POINTS = ("after_submit", "while_pending", "while_running", "job_done", "after_result")
LOAD_POINTS = ("before_load", "before_commit", "after_commit")
NAMES_HELP = (
    "Use between_pages:K, mid_page:K:J or after_load:K (pages and records count from 1), "
    "one of the batch-job points " + ", ".join(JOB_POINTS) + ", or a landing-table point " + ", ".join(LOAD_POINTS) + "."
)


class InjectedCrash(RuntimeError):
    """Raised inside a task at a planned crash point (exception mode)."""


class FaultPlanError(ValueError):
    """A fault plan that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class CrashPoint:
    kind: str
    page: int = 0
    record: int = 0

    @classmethod
    def parse(cls, name: str) -> CrashPoint:
        for kind, pattern in _PATTERNS.items():
            match = pattern.fullmatch(name.strip())
            if match:
                numbers = [int(g) for g in match.groups()]
                point = cls(kind, *numbers)
                if (numbers and point.page < 1) or (kind == "mid_page" and point.record < 1):
                    break
                return point
        raise FaultPlanError(f"Unknown crash point {name!r}. {NAMES_HELP}")

    @property
    def name(self) -> str:
        if self.kind == "mid_page":
            return f"mid_page:{self.page}:{self.record}"
        if self.kind in JOB_POINTS + LOAD_POINTS:
            return self.kind
        return f"{self.kind}:{self.page}"

    def describe(self) -> str:
        return DESCRIPTIONS[self.kind].format(page=self.page, record=self.record)


@dataclass(frozen=True)
class Fault:
    """Crash at ``point`` on try ``on_try`` (1-based), by exception or real kill."""

    point: str
    on_try: int = 1
    mode: str = "exception"

    def __post_init__(self) -> None:
        CrashPoint.parse(self.point)
        if self.mode not in MODES:
            raise FaultPlanError(f"Unknown crash mode {self.mode!r}; use one of {MODES}.")
        if self.on_try < 1:
            raise FaultPlanError(f"on_try must be 1 or more, got {self.on_try}.")

    @property
    def label(self) -> str:
        how = "a worker kill" if self.mode == "kill" else "a crash"
        return f"{how} at {self.point} on try {self.on_try}"

    def to_json(self) -> dict:
        return asdict(self)


def plan(*specs: str | Fault | dict, mode: str | None = None) -> tuple[Fault, ...]:
    """Build a plan from ``"between_pages:3"``, ``"between_pages:3@2"`` (try 2), dicts or Faults.

    ``mode`` (``"exception"`` or ``"kill"``) overrides every fault's own mode.
    """
    faults = []
    for spec in specs:
        if isinstance(spec, Fault):
            fault = spec
        elif isinstance(spec, dict):
            fault = Fault(**spec)
        else:
            point, _, on_try = str(spec).partition("@")
            fault = Fault(point, int(on_try) if on_try else 1)
        faults.append(replace(fault, mode=mode) if mode else fault)
    return tuple(faults)


def fire(fault: Fault, pid: int | None = None) -> None:
    """Crash now, as the fault says: in this process, or (the world service) in the calling task's ``pid``."""
    if fault.mode == "kill" and pid is not None:
        os.kill(pid, signal.SIGKILL)  # a real death of the worker process, which its code cannot catch
    elif fault.mode == "kill":
        if os.environ.get(KILL_ALLOWED_ENV) != "1":
            raise FaultPlanError(
                "A kill-mode crash was asked for in a process that is not a disposable worker: "
                "under dag.test() the task runs in this very process, so SIGKILL would kill "
                "the notebook kernel. Use mode='exception' here."
            )
        os.kill(os.getpid(), signal.SIGKILL)
    raise InjectedCrash(
        f"injected crash at {fault.point} on try {fault.on_try}: {CrashPoint.parse(fault.point).describe()}"
    )
