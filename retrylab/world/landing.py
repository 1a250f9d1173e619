"""What module 04's DAGs call: the landing table of late-arriving orders, the warehouse, the downstream.

Why these names: they are the helpers the seed's ``antipattern_xcom_watermark``
calls (``batch_client``, ``fetch_since``, ``load_to_warehouse``), so the
course's DAGs read like the seed. One substitution: the company runs on its own
clock, so a run on "2 March, 00:05" is reproducible; ``utcnow()`` reads that
clock where production code calls ``datetime.utcnow()``.

Each load is one warehouse transaction, recorded in the ledger row by row; the
downstream's ``process_order`` is a side effect too (an invoice, say), so
"processed twice" is a count.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from retrylab import faults
from retrylab.world.batch import BatchClient
from retrylab.world.calls import crash_if_planned, is_planned, who
from retrylab.world.remote import no_key, served
from retrylab.world.state import World, WorldError

batch_client = BatchClient()


def _landing_world() -> World:
    world = World.current()
    if world.config.source != "landing":
        raise WorldError(
            "This is the landing table of module 04; the lab's current world serves the paginated source. "
            "Run the DAG with the module's world (world=LANDING or through lab.run_days)."
        )
    return world


@served
def utcnow() -> datetime:
    """The company's clock (naive UTC, like ``datetime.utcnow()``)."""
    return datetime.fromisoformat(_landing_world().config.clock)


def _as_time(value: object, name: str) -> str:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{name} must be an ISO date and time like '2025-03-01T06:00:00', got {value!r}") from None
    else:
        raise TypeError(
            f"{name} must be an ISO date-time string (or a datetime), got {type(value).__name__} {value!r}. "
            "The state stores keep JSON, so keep watermarks as ISO strings."
        )
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds")


@served
def fetch_since(watermark: str | datetime) -> list[dict]:
    """Every order that has landed by now whose ``event_time`` is after ``watermark``, in event order."""
    since = _as_time(watermark, "watermark")
    world = _landing_world()
    caller = who()
    records = [
        {k: r[k] for k in ("id", "customer", "amount_cents", "event_time")}
        for r in world.records
        if r["event_time"] > since
    ]
    world.record_event(caller, "fetch", None, f"{since}|{len(records)}")
    crash_if_planned(world, caller, faults.CrashPoint("before_load"))
    return records


def _write(records: Sequence[dict], mode: str) -> None:
    if not isinstance(records, (list, tuple)):
        raise TypeError(f"expected the list of records fetch_since returned, got {type(records).__name__}")
    bad = next((r for r in records if not isinstance(r, dict) or not {"id", "event_time"} <= r.keys()), None)
    if bad is not None:
        raise TypeError(f"expected record dicts from fetch_since, got {bad!r}")
    world = _landing_world()
    caller = who()
    before_commit = faults.CrashPoint("before_commit")
    try:
        with world.db:
            world.db.execute("BEGIN")
            for record in records:
                if mode == "upsert":
                    world.db.execute("DELETE FROM orders WHERE id = ?", (record["id"],))
                world.db.execute(
                    "INSERT INTO orders(id, customer, amount_cents, event_time, run_id, try_number) VALUES (?,?,?,?,?,?)",
                    (record["id"], record.get("customer", ""), record.get("amount_cents", 0), record["event_time"], caller[0], caller[1]),
                )
                world.record_event(caller, mode, record["id"])
            if is_planned(world, caller, before_commit):
                raise _RolledBack  # the rows were written; the transaction never commits
    except _RolledBack:
        crash_if_planned(world, caller, before_commit)  # recorded after the rollback, which took the rows with it
    crash_if_planned(world, caller, faults.CrashPoint("after_commit"))


class _RolledBack(Exception):
    """A load that crashed before its commit (the transaction is rolled back)."""


@served
def load_to_warehouse(records: Sequence[dict]) -> None:
    """Append the records in one transaction (a plain INSERT: loading a record again duplicates it)."""
    _write(records, "append")


@served
def merge_into_warehouse(records: Sequence[dict]) -> None:
    """MERGE the records on id in one transaction (loading a record again replaces its row)."""
    _write(records, "upsert")


@served
def read_warehouse(after: str | datetime, through: str | datetime) -> list[dict]:
    """The warehouse rows whose ``event_time`` is in (after, through], in event order (duplicates included)."""
    low, high = _as_time(after, "after"), _as_time(through, "through")
    world = _landing_world()
    rows = world.db.execute(
        "SELECT id, customer, amount_cents, event_time FROM orders WHERE event_time > ? AND event_time <= ? "
        "ORDER BY event_time, rowid",
        (low, high),
    ).fetchall()
    world.record_event(who(), "read", None, f"{low}|{high}|{len(rows)}")
    return [dict(zip(("id", "customer", "amount_cents", "event_time"), row)) for row in rows]


@served(posted=no_key)
def process_order(row: dict) -> None:
    """The downstream's side effect for one order (it bills the customer): each call counts."""
    if not isinstance(row, dict) or "id" not in row:
        raise TypeError(f"expected a warehouse row from read_warehouse, got {row!r}")
    _landing_world().record_event(who(), "process", row["id"])
