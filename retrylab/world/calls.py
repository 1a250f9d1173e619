"""What a DAG's task calls: the source API and the warehouse, with crash points.

Why here and not in the DAG: the course's DAGs must read like production code
(``fetch_page``, ``transform_and_load``), while every call leaves a trace in
the ledger and passes the named crash points of the fault plan.
"""

from __future__ import annotations

import bisect
import sys
import time

from retrylab import faults
from retrylab.world.remote import SERVED, no_key, record_key, served
from retrylab.world.state import Caller, World, WorldError

OUTSIDE_A_TASK = Caller("", 0)


class RunawayLoop(WorldError):
    """The task called the source far more often than the data allows."""


def who() -> Caller:
    """The task instance try calling, or ``OUTSIDE_A_TASK`` from a notebook cell.

    In the world service: the try the service found for the calling process.
    """
    if SERVED.caller is not None:
        return SERVED.caller
    if "airflow.sdk" not in sys.modules:
        # No task runs in a process without Airflow; importing it here would configure
        # Airflow before any sandbox is opened (a test of the world alone, say).
        return OUTSIDE_A_TASK
    try:
        from airflow.sdk import get_current_context

        ti = get_current_context()["ti"]
    except Exception:  # no task is running: a learner exploring from a cell
        return OUTSIDE_A_TASK
    map_index = getattr(ti, "map_index", -1)
    task = ti.task_id if map_index is None or map_index < 0 else f"{ti.task_id}[{map_index}]"
    return Caller(ti.run_id, ti.try_number, task)


def is_planned(world: World, caller: Caller, point: faults.CrashPoint) -> bool:
    """Whether a crash is planned at ``point`` on the caller's try."""
    return caller != OUTSIDE_A_TASK and any(f.on_try == caller[1] and p == point for f, p in world.config.crash_points)


def crash_if_planned(world: World, caller: Caller, point: faults.CrashPoint) -> None:
    if caller == OUTSIDE_A_TASK:
        return
    for fault, planned in world.config.crash_points:
        if fault.on_try != caller[1] or planned != point:
            continue
        world.record_event(caller, "crash", detail=fault.point)
        faults.fire(fault, pid=SERVED.pid or None)


@served
def fetch_page(after_id: int = 0, limit: int = 1000) -> list[dict]:
    """Up to ``limit`` records with id greater than ``after_id``, in id order.

    Like a real API, the server caps the page size (``page_size`` in the
    scenario) whatever ``limit`` asks for, and an empty list means "no more".
    """
    if isinstance(after_id, bool) or not isinstance(after_id, int):
        raise TypeError(f"after_id must be an int record id, got {type(after_id).__name__} {after_id!r}")
    world = World.current()
    caller = who()
    cfg = world.config
    if caller != OUTSIDE_A_TASK:
        calls = world.count_events(caller, "fetch") + 1
        if calls > cfg.fetch_limit:
            raise RunawayLoop(
                f"fetch_page was called {calls} times in one try, but the source has only "
                f"{cfg.pages} page{'s' if cfg.pages != 1 else ''}: the loop never stops. Does it break on an empty page, "
                "and does the cursor move forward?"
            )
    start = bisect.bisect_right(world.ids, after_id)
    # Past the end of page K (by the server's paging), a planned between_pages:K fires: also for a
    # cursor that is not on a page boundary (a task that checkpoints every record), so every planned
    # crash happens to every task that gets that far.
    passed = cfg.pages if start == len(world.ids) else start // cfg.page_size
    for page_no in range(1, passed + 1):
        crash_if_planned(world, caller, faults.CrashPoint("between_pages", page_no))
    served = [dict(r) for r in world.records[start : start + max(0, min(limit, cfg.page_size))]]
    detail = f"{served[0]['id']}-{served[-1]['id']}" if served else "empty"
    world.record_event(caller, "fetch", after_id, detail)
    return served


def _load(record: dict, mode: str) -> None:
    if not isinstance(record, dict) or "id" not in record:
        raise TypeError(f"expected a record dict from fetch_page, got {type(record).__name__}")
    world = World.current()
    caller = who()
    if caller != OUTSIDE_A_TASK:
        writes = world.bump(caller, "writes")
        if writes > world.config.write_limit:
            raise RunawayLoop(
                f"the task wrote {writes} rows in one try, but the source has only {len(world.ids)} records: "
                "the loop never stops. Does it move on to the next record and stop at the end?"
            )
    with world.db:
        world.db.execute("BEGIN")
        if mode == "upsert":
            world.db.execute("DELETE FROM orders WHERE id = ?", (record["id"],))
        world.db.execute(
            "INSERT INTO orders(id, customer, amount_cents, event_time, run_id, try_number) "
            "VALUES (?,?,?,?,?,?)",
            (record["id"], record["customer"], record["amount_cents"], record["event_time"], caller[0], caller[1]),
        )
        world.record_event(caller, mode, record["id"])
    page, position = world.page_of(record["id"])
    crash_if_planned(world, caller, faults.CrashPoint("mid_page", page, position))
    if position == world.page_length(page):
        crash_if_planned(world, caller, faults.CrashPoint("after_load", page))


@served(posted=record_key)
def transform_and_load(record: dict) -> None:
    """Append one record to the warehouse (a plain INSERT: a repeat is a duplicate row)."""
    _load(record, "append")


@served(posted=record_key)
def transform_and_upsert(record: dict) -> None:
    """Write one record idempotently (MERGE on id: a repeat replaces the row)."""
    _load(record, "upsert")


@served(posted=no_key)
def note(name: str, value: object) -> None:
    """Write what the task saw into the ledger (e.g. what xcom_pull returned on this try).

    Lessons use it to show, per try, values that would otherwise live only in
    a log line.
    """
    World.current().record_event(who(), "note", detail=f"{name}={value!r}")


@served
def rendezvous(name: str, parties: int, timeout: float = 30.0) -> None:
    """Wait here until ``parties`` tasks of this DAG run have arrived (a barrier).

    Why: a race between two tasks happens on a busy cluster by chance; a lesson
    needs it every time. Both tasks do their read, meet here, then write. The
    wait is long because on a loaded machine a kill-mode worker can start the
    second task many seconds after the first (8 s was missed once in CI).
    """
    world = World.current()
    caller = who()
    world.record_event(caller, "arrive", detail=name)
    deadline = time.monotonic() + timeout
    while (
        arrived := world.db.execute(
            "SELECT COUNT(*) FROM ledger WHERE run_id=? AND event='arrive' AND detail=?", (caller[0], name)
        ).fetchone()[0]
    ) < parties:
        if time.monotonic() > deadline:
            raise WorldError(f"only {arrived} of {parties} tasks reached {name!r} within {timeout:.0f} s: do they run in parallel?")
        time.sleep(0.05)


@served
def report_failure(task: str, description: str) -> None:
    """Record why the calling try failed (the lab's guard calls it; the timeline shows it)."""
    World.current().record_event(who(), "try_failed", detail=f"{task}||{description}")
