"""The batch-job service: a simulated Databricks / EMR / Spark job API.

Why a file and not an object: a job must outlive the worker that submitted it
(that is the whole lesson of a worker kill), so the service keeps its jobs in
``batch.db`` in the world folder, a SQLite file every process shares. A job's
status is a function of the time since it was submitted and the durations and
outcome fixed when it was accepted, so the service needs no daemon and
"restarting" it (a new process opening the file) loses nothing. A world reset
empties the warehouse and the ledger but keeps old jobs, like a real service
keeps yesterday's jobs: a stale id still points at a real, finished job.

Every accepted submission is billed in the ledger (event ``submit``), so "the
job ran twice" is a count and a cost.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from retrylab import faults
from retrylab.world.calls import OUTSIDE_A_TASK, crash_if_planned, who
from retrylab.world.remote import served
from retrylab.world.sqlite import Connections
from retrylab.world.state import Caller, World, WorldError

PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED = "PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"
ACTIVE = (PENDING, RUNNING)
POLL_TICK = 0.1  # the most a job ages between two tries' status checks, on the grader's clock
OUTCOMES = (SUCCEEDED, FAILED)

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    environment TEXT NOT NULL,
    submitted_at REAL NOT NULL,
    pending_s REAL NOT NULL,
    running_s REAL NOT NULL,
    outcome TEXT NOT NULL,
    cancelled_at REAL,
    age REAL NOT NULL DEFAULT 0,
    aged_at REAL,
    aged_by TEXT NOT NULL DEFAULT ''
);
"""


class JobNotFound(WorldError):
    """The service has no job with this id (a typo, or an id from another service)."""


class JobNotFinished(WorldError):
    """A result was asked for before the job succeeded."""


@dataclass(frozen=True)
class Job:
    id: str
    name: str
    submitted_by: str
    environment: str
    status: str
    age: float
    submitted_at: float


def job_id(seq: int) -> str:
    return f"job-{seq:04d}"


def _seq(external_id: object) -> int:
    if not isinstance(external_id, str) or not external_id.startswith("job-") or not external_id[4:].isdigit():
        raise JobNotFound(
            f"{external_id!r} is not a job id of the batch service (ids look like 'job-0001'); "
            "pass the id that submit() returned."
        )
    return int(external_id[4:])


class BatchService:
    """The service side: accepts, times, finishes and bills jobs for one world."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._conns: Connections | None = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._conns is None:
            # One service for every environment of the company (a shared cluster): next to the worlds.
            self._conns = Connections(Path(self.world.root).parent / "batch.db", SCHEMA, memory=self.world.memory)
        return self._conns.get()

    def close(self) -> None:
        if self._conns is not None:
            self._conns.close()
            self._conns = None

    def submit(self, name: str, caller: Caller) -> str:
        cfg = self.world.config
        submitted = self.world.count_events(None, "submit")
        outcome = cfg.job_outcomes[min(submitted, len(cfg.job_outcomes) - 1)]
        with self.db:
            self.db.execute("BEGIN")
            cur = self.db.execute(
                "INSERT INTO jobs(name, submitted_by, environment, submitted_at, pending_s, running_s, outcome, aged_by) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (name, caller[0], cfg.environment, time.time(), cfg.job_pending_s, cfg.job_running_s, outcome, "|".join(map(str, caller))),
            )
            new_id = job_id(cur.lastrowid or 0)
        self.world.record_event(caller, "submit", detail=f"{new_id}|{name}|{cfg.job_cost_cents}")
        return new_id

    def job(self, external_id: object, at: float | None = None) -> Job:
        """The job as the service sees it now (or as it was at time ``at``)."""
        seq = _seq(external_id)
        row = self.db.execute(
            "SELECT name, submitted_by, environment, submitted_at, pending_s, running_s, outcome, cancelled_at, age "
            "FROM jobs WHERE seq=?",
            (seq,),
        ).fetchone()
        if row is None:
            raise JobNotFound(f"The batch service has no job {external_id!r}.")
        name, by, env, submitted_at, pending_s, running_s, outcome, cancelled_at, aged = row
        now = time.time() if at is None else at
        age = now - submitted_at
        if self.world.config.job_clock == "grader":
            age = aged  # see ``age()``
            now = submitted_at + age
        if cancelled_at is not None and cancelled_at <= now and cancelled_at - submitted_at < pending_s + running_s:
            status = CANCELLED
        elif age < pending_s:
            status = PENDING
        elif age < pending_s + running_s:
            status = RUNNING
        else:
            status = outcome
        return Job(job_id(seq), name, by, env, status, age, submitted_at)

    def age(self, external_id: object, caller: Caller) -> None:
        """A status check, on the grader's clock: the job ages by the real time since it was last seen when the
        same try looks again (the task's own polling pace), and by at most one tick when another try looks.

        The first check after the submit also ages it by at most one tick: what a try does in between (an XCom
        push, a state-store write) is the machine's pace, not the task's.

        So a retry finds what the crash left (still PENDING, RUNNING, done) however long a busy machine took to
        start it, a crash "while_running" finds the job running however long the submitting try took to look, and a
        task that sleeps between polls waits as long as it would on a real service.
        """
        seq = _seq(external_id)
        row = self.db.execute("SELECT aged_at, aged_by, submitted_at FROM jobs WHERE seq=?", (seq,)).fetchone()
        if row is None:
            return
        aged_at, aged_by, submitted_at = row
        now, who = time.time(), "|".join(map(str, caller))
        elapsed = max(0.0, now - (aged_at or submitted_at))
        step = elapsed if who == aged_by and aged_at is not None else min(elapsed, POLL_TICK)
        self.db.execute("UPDATE jobs SET age = age + ?, aged_at = ?, aged_by = ? WHERE seq=?", (step, now, who, seq))

    def jobs(self, submitted_by: str | None = None) -> list[Job]:
        query, args = "SELECT seq FROM jobs ORDER BY seq", ()
        if submitted_by is not None:
            query, args = "SELECT seq FROM jobs WHERE submitted_by=? ORDER BY seq", (submitted_by,)
        return [self.job(job_id(seq)) for (seq,) in self.db.execute(query, args)]

    def cancel(self, external_id: object) -> str:
        job = self.job(external_id)
        if job.status in ACTIVE:
            when = job.submitted_at + job.age if self.world.config.job_clock == "grader" else time.time()
            self.db.execute("UPDATE jobs SET cancelled_at=? WHERE seq=?", (when, _seq(external_id)))
        return self.job(external_id).status

    def cancel_active(self) -> list[str]:
        """Cancel every job still queued or running (a check must leave none behind)."""
        ids = [job_id(seq) for (seq,) in self.db.execute("SELECT seq FROM jobs WHERE cancelled_at IS NULL")]
        return [i for i in ids if self.job(i).status in ACTIVE and self.cancel(i) == CANCELLED]


_SERVICES: dict[str, BatchService] = {}


def service(world: World | None = None) -> BatchService:
    """The batch service, as seen from ``world`` (default: this process's current world, its environment)."""
    world = world or World.current()
    key = str(world.root)
    if key not in _SERVICES or _SERVICES[key].world is not world:
        _SERVICES[key] = BatchService(world)
    return _SERVICES[key]


# -- what a task may call (through the world service in a graded try) ---------
@served
def submit_job(name: str) -> str:
    caller = who()
    new_id = service().submit(name, caller)
    _crash(caller, "after_submit")
    return new_id


@served
def job_status(job_id: str) -> str:
    caller = who()
    if caller != OUTSIDE_A_TASK:
        service().age(job_id, caller)
    status = service().job(job_id).status
    World.current().record_event(caller, "poll", detail=f"{job_id}|{status}")
    _crash(caller, {PENDING: "while_pending", RUNNING: "while_running"}.get(status, "job_done"))
    return status


@served
def job_result(job_id: str) -> dict:
    caller = who()
    job = service().job(job_id)
    if job.status != SUCCEEDED:
        raise JobNotFinished(f"{job_id} is {job.status}; only a SUCCEEDED job has a result.")
    world = World.current()
    result = {
        "table": f"{job.name}_{job.environment}",
        "orders": len(world.records),
        "revenue_cents": sum(r["amount_cents"] for r in world.records),
    }
    world.record_event(caller, "result", detail=job_id)
    _crash(caller, "after_result")
    return result


@served
def cancel_job(job_id: str) -> str:
    caller = who()
    status = service().cancel(job_id)
    World.current().record_event(caller, "cancel", detail=f"{job_id}|{status}")
    return status


def _crash(caller: Caller, kind: str) -> None:
    crash_if_planned(World.current(), caller, faults.CrashPoint(kind))


class BatchClient:
    """What DAGs and operators call (the "hook"): submit, status, wait, result, cancel.

    Shaped like the clients of real job services: ``submit`` returns an id at
    once, the job runs on its own, and the caller polls ``get_status``.
    """

    def __init__(self, poll_interval: float = 0.1) -> None:
        self.poll_interval = poll_interval

    def submit(self, name: str = "daily_revenue") -> str:
        """Start a job; returns its id (e.g. ``'job-0003'``). Every call is billed."""
        return submit_job(name)

    def get_status(self, job_id: str) -> str:
        """PENDING, RUNNING, SUCCEEDED, FAILED or CANCELLED."""
        return job_status(job_id)

    def wait(self, job_id: str, timeout: float = 60.0) -> str:
        """Poll until the job leaves PENDING/RUNNING; returns the final status."""
        deadline = time.monotonic() + timeout
        while (status := self.get_status(job_id)) in ACTIVE:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{job_id} still {status} after {timeout:.0f} s")
            time.sleep(self.poll_interval)
        return status

    def get_result(self, job_id: str) -> dict:
        """What a succeeded job produced (the same for every job of the same scenario)."""
        return job_result(job_id)

    def cancel(self, job_id: str) -> str:
        return cancel_job(job_id)
