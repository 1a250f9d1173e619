"""Where the simulated company keeps its state: a folder outside the task process.

Why on disk: a crash (an exception today, a killed worker later) must not be
able to erase what the outside world already saw. ``world.json`` holds the
scenario (seed, page size, fault plan); ``warehouse.db`` is a real SQLite
database holding the loaded rows and the ledger of every side effect, so
"loaded twice" is a count, not a log line.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from retrylab import faults
from retrylab.errors import LabError
from retrylab.sandbox import WORLD_ENV
from retrylab.world import dataset
from retrylab.world.remote import SERVED
from retrylab.world.sqlite import Connections

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    rowid INTEGER PRIMARY KEY,
    id INTEGER NOT NULL,
    customer TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    event_time TEXT NOT NULL,
    run_id TEXT NOT NULL,
    try_number INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_id ON orders(id);
CREATE TABLE IF NOT EXISTS ledger (
    seq INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL,
    try_number INTEGER NOT NULL,
    task TEXT NOT NULL DEFAULT '',
    event TEXT NOT NULL,
    record_id INTEGER,
    detail TEXT NOT NULL DEFAULT ''
);
"""


SOURCES = ("orders", "landing")
JOB_CLOCKS = ("wall", "grader")


class Caller(NamedTuple):
    """Who called the world: a task instance's try (``task`` is ``task_id`` or ``task_id[map_index]``)."""

    run_id: str
    try_number: int
    task: str = ""


class WorldError(LabError):
    """The world cannot serve this call; the message says what the caller did wrong."""


@dataclass(frozen=True)
class WorldConfig:
    """One scenario: which records the source serves, its page size, the fault plan."""

    seed: int = 7
    records: int = 2400
    page_size: int = 400
    faults: tuple[faults.Fault, ...] = field(default_factory=tuple)
    fetch_budget: int = 0  # fetch_page calls allowed per try; 0 means five per page (at least 20)
    environment: str = "prod"  # whose source, warehouse and jobs these are (module 02 runs two)
    job_pending_s: float = 0.3  # how long a batch job waits in the queue
    job_running_s: float = 0.8  # how long it then runs
    job_outcomes: tuple[str, ...] = ("SUCCEEDED",)  # outcome of the 1st, 2nd, ... job (the last repeats)
    job_cost_cents: int = 1250  # what the service bills per accepted job
    source: str = "orders"  # "orders": the paginated source; "landing": late-arriving orders (module 04)
    clock: str = ""  # the company's clock (ISO) while a run of the landing world goes on
    job_clock: str = "wall"  # "wall": jobs age in real time; "grader": across tries by at most POLL_TICK (batch.py)

    def __post_init__(self) -> None:
        object.__setattr__(self, "job_outcomes", tuple(self.job_outcomes))
        if not self.job_outcomes or any(o not in ("SUCCEEDED", "FAILED") for o in self.job_outcomes):
            raise WorldError(f"job_outcomes must list SUCCEEDED or FAILED, got {self.job_outcomes!r}.")
        if min(self.job_pending_s, self.job_running_s) < 0:
            raise WorldError("job_pending_s and job_running_s cannot be negative.")
        if self.job_clock not in JOB_CLOCKS:
            raise WorldError(f"job_clock must be one of {JOB_CLOCKS}, got {self.job_clock!r}.")
        if self.source not in SOURCES:
            raise WorldError(f"source must be one of {SOURCES}, got {self.source!r}.")
        if self.source == "landing" and not self.clock:
            raise WorldError("The landing world needs its clock set: WorldConfig(source='landing', clock='2025-03-02T00:05').")
        if self.clock:
            from datetime import datetime

            try:  # one spelling, so clocks and landing times compare as text
                object.__setattr__(self, "clock", datetime.fromisoformat(self.clock).isoformat(timespec="seconds"))
            except (TypeError, ValueError):
                raise WorldError(f"clock must be an ISO date and time like '2025-03-02T00:05', got {self.clock!r}.") from None

    @cached_property
    def crash_points(self) -> tuple[tuple[faults.Fault, faults.CrashPoint], ...]:
        """Each fault with its parsed point (parsed once: the world checks them per record)."""
        return tuple((f, faults.CrashPoint.parse(f.point)) for f in self.faults)

    def with_faults(self, *specs: str | faults.Fault | dict, mode: str | None = None) -> WorldConfig:
        return replace(self, faults=faults.plan(*specs, mode=mode))

    @property
    def fetch_limit(self) -> int:
        return self.fetch_budget or max(20, 5 * self.pages)

    @property
    def write_limit(self) -> int:
        """Rows a try may write before it counts as a loop that never stops (a retry may redo everything twice)."""
        return 3 * self.records + 10

    @property
    def pages(self) -> int:
        return -(-self.records // self.page_size)

    def to_json(self) -> dict:
        return {
            "seed": self.seed,
            "records": self.records,
            "page_size": self.page_size,
            "faults": [f.to_json() for f in self.faults],
            "fetch_budget": self.fetch_budget,
            "environment": self.environment,
            "job_pending_s": self.job_pending_s,
            "job_running_s": self.job_running_s,
            "job_outcomes": list(self.job_outcomes),
            "job_cost_cents": self.job_cost_cents,
            "source": self.source,
            "clock": self.clock,
            "job_clock": self.job_clock,
        }

    @classmethod
    def from_json(cls, data: dict) -> WorldConfig:
        return cls(**{**data, "faults": faults.plan(*data.get("faults", ()))})


class World:
    """The simulated company living in folder ``root``."""

    def __init__(self, root: Path | str, *, memory: bool = False) -> None:
        self.root = Path(root)
        self.memory = memory  # the world service's worlds: in memory, never on disk
        self._root_text = str(root)
        self._config_path = str(self.root / "world.json")
        self._conns: Connections | None = None
        self._config_stamp: float | None = None
        self._config: WorldConfig | None = None
        self._counts: dict[tuple, int] = {}

    @classmethod
    def current(cls) -> World:
        """The world of this process's sandbox (set by the sandbox, inherited by workers).

        In the world service, the world the call being served acts on.
        """
        global _CURRENT
        if SERVED.world is not None:
            return SERVED.world
        root = os.environ.get(WORLD_ENV)
        if _CURRENT is not None and _CURRENT._root_text == root:
            return _CURRENT
        if not root:
            raise WorldError(
                "No simulated world is set up in this process. Open the lab first "
                "(`lab = retrylab.open_lab(...)`), which sets RETRYLAB_WORLD."
            )
        if _CURRENT is None or _CURRENT.root != Path(root):
            _CURRENT = cls(root)
        return _CURRENT

    # -- scenario ---------------------------------------------------------
    @property
    def config_file(self) -> Path:
        return self.root / "world.json"

    @property
    def config(self) -> WorldConfig:
        if self.memory:
            if self._config is None:
                raise WorldError("This world was never reset; call reset() first.")
            return self._config
        try:
            stamp = os.stat(self._config_path).st_mtime_ns
        except FileNotFoundError:
            raise WorldError(f"The world in {self.root} was never reset; call reset() first.") from None
        if stamp != self._config_stamp:
            self._config = WorldConfig.from_json(json.loads(self.config_file.read_text()))
            self._config_stamp = stamp
            self._forget_records()
        assert self._config is not None
        return self._config

    def _forget_records(self) -> None:
        for name in ("records", "_position", "ids"):
            self.__dict__.pop(name, None)

    def reset(self, config: WorldConfig) -> None:
        """Start a scenario: empty warehouse and ledger, the given config."""
        self.close()
        if not self.memory:
            self.root.mkdir(parents=True, exist_ok=True)
            for name in ("warehouse.db", "warehouse.db-wal", "warehouse.db-shm"):
                (self.root / name).unlink(missing_ok=True)
        self.reconfigure(config)

    def reconfigure(self, config: WorldConfig) -> None:
        """Change the scenario (clock, fault plan) and keep the warehouse and ledger: the next day."""
        self._counts.clear()
        if self.memory:
            self._config = config
            self._forget_records()
            return
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.config_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(config.to_json(), indent=1))
        os.replace(tmp, self.config_file)
        self._config_stamp = None
        self.config  # noqa: B018 - load and validate now

    # -- source data ------------------------------------------------------
    @cached_property
    def records(self) -> list[dict]:
        """The records this scenario's source serves, in id order."""
        return served_records(self.config)

    @cached_property
    def ids(self) -> list[int]:
        return [r["id"] for r in self.records]

    @cached_property
    def _position(self) -> dict[int, int]:
        return {r["id"]: i for i, r in enumerate(self.records)}

    def page_of(self, record_id: int) -> tuple[int, int]:
        """(page, record within page), both from 1, in this scenario's paging."""
        index = self._position[record_id]
        size = self.config.page_size
        return index // size + 1, index % size + 1

    def page_length(self, page: int) -> int:
        size = self.config.page_size
        return max(0, min(size, len(self.records) - (page - 1) * size))

    # -- warehouse --------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        if self._conns is None:
            self._conns = Connections(self.root / "warehouse.db", SCHEMA, synchronous_off=True, memory=self.memory)
        return self._conns.get()

    def close(self) -> None:
        if self._conns is not None:
            self._conns.close()
            self._conns = None

    def bump(self, who: tuple, kind: str) -> int:
        """Count one more ``kind`` (e.g. a write) for a try; returns the try's count so far."""
        key = (tuple(who), kind)
        self._counts[key] = self._counts.get(key, 0) + 1
        return self._counts[key]

    def record_event(self, who: tuple, event: str, record_id: int | None = None, detail: str = "") -> None:
        """Write one side effect to the ledger; ``who`` is a Caller or (run_id, try_number)."""
        task = who[2] if len(who) > 2 else ""
        self.db.execute(
            "INSERT INTO ledger(run_id, try_number, task, event, record_id, detail) VALUES (?,?,?,?,?,?)",
            (who[0], who[1], task, event, record_id, detail),
        )

    def count_events(self, who: tuple | None, event: str) -> int:
        """How often ``event`` happened in this scenario (``who=None``) or in one try."""
        if who is None:
            (count,) = self.db.execute("SELECT COUNT(*) FROM ledger WHERE event=?", (event,)).fetchone()
        elif len(who) > 2 and who[2]:  # one task instance's try (a mapped task's indices count apart)
            (count,) = self.db.execute(
                "SELECT COUNT(*) FROM ledger WHERE run_id=? AND try_number=? AND task=? AND event=?",
                (who[0], who[1], who[2], event),
            ).fetchone()
        else:
            (count,) = self.db.execute(
                "SELECT COUNT(*) FROM ledger WHERE run_id=? AND try_number=? AND event=?", (who[0], who[1], event)
            ).fetchone()
        return count

    def wait_for(self, event: str, timeout: float = 30.0) -> None:
        """Block until the ledger shows ``event`` (e.g. a crash in a run going on in another thread)."""
        import time

        deadline = time.monotonic() + timeout
        while not self.count_events(None, event):
            if time.monotonic() > deadline:
                raise WorldError(f"No {event!r} event within {timeout:.0f} s.")
            time.sleep(0.05)

    def ledger(self) -> list[dict]:
        rows = self.db.execute(
            "SELECT seq, run_id, try_number, task, event, record_id, detail FROM ledger ORDER BY seq"
        ).fetchall()
        keys = ("seq", "run_id", "try_number", "task", "event", "record_id", "detail")
        return [dict(zip(keys, row)) for row in rows]

    def loaded_ids(self) -> Counter[int]:
        """How many rows the warehouse holds for each record id."""
        return Counter(rid for (rid,) in self.db.execute("SELECT id FROM orders"))


_CURRENT: World | None = None


def served_records(config: WorldConfig) -> list[dict]:
    """The records a scenario's source serves: a slice of the order data (its seed picks
    where it starts), or in the landing world every order that has landed by the clock."""
    if config.source == "landing":
        return landed_by(config.clock)
    everything = _all_records()
    if not 1 <= config.records <= len(everything):
        raise WorldError(f"records must be between 1 and {len(everything)}, got {config.records}.")
    import random

    start = random.Random(config.seed).randrange(0, len(everything) - config.records + 1)
    return everything[start : start + config.records]


def _all_records() -> list[dict]:
    global _ALL
    if _ALL is None:
        _ALL = dataset.load()
    return _ALL


_ALL: list[dict] | None = None
_LANDING: list[dict] | None = None


def landed_by(clock: str) -> list[dict]:
    """Every order of the landing table visible at ``clock`` (ISO), in event order."""
    global _LANDING
    if _LANDING is None:
        _LANDING = dataset.load_landing()
    return [r for r in _LANDING if r["landed_at"] <= clock]
