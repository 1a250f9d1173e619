"""Reading back what Airflow recorded: a run's tries, task state, XCom, asset state, Variables.

Why from the metadata DB: the DAG's own code says what it meant to do; the
DB and the world's ledger say what happened. Every report and check reads here.
"""

from __future__ import annotations

import json
from typing import Any

from retrylab import guards
from retrylab.report import RunReport, Try
from retrylab.world import batch
from retrylab.world.state import World, WorldConfig


def run_report(world: World, dag_id: str, run_id: str, config: WorldConfig, seconds: float) -> RunReport:
    """The report of one run: tries, task state and XCom from Airflow's DB, events and warehouse from ``world``."""
    from airflow.models.dagrun import DagRun
    from airflow.models.task_state_store import TaskStateStoreModel
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.taskinstancehistory import TaskInstanceHistory
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    events = [e for e in world.ledger() if e["run_id"] in (run_id, "")]
    errors = {
        (e["detail"].split("|", 2)[0], e["try_number"]): e["detail"].split("|", 2)[2]
        for e in events
        if e["event"] == "try_failed"
    }
    killed = {
        e["try_number"]: f"the worker was killed (SIGKILL) at {e['detail']}"
        for e in events
        if e["event"] == "crash" and any(f.mode == "kill" and f.point == e["detail"] for f in config.faults)
    }
    with create_session() as session:
        state = session.scalar(select(DagRun.state).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
        rows = []
        for model in (TaskInstanceHistory, TaskInstance):
            rows += session.execute(
                select(model.task_id, model.map_index, model.try_number, model.state, model.start_date, model.end_date)
                .where(model.dag_id == dag_id, model.run_id == run_id)
            ).all()
        store: dict[str, dict[str, Any]] = {}
        for task_id, map_index, key, value in session.execute(
            select(TaskStateStoreModel.task_id, TaskStateStoreModel.map_index, TaskStateStoreModel.key, TaskStateStoreModel.value)
            .where(TaskStateStoreModel.dag_id == dag_id, TaskStateStoreModel.run_id == run_id)
            .order_by(TaskStateStoreModel.key)
        ):
            store.setdefault(guards.task_key(task_id, map_index), {})[key] = json.loads(value)
        xcom: dict[str, dict[str, Any]] = {}
        for task_id, map_index, key, value in session.execute(
            select(XComModel.task_id, XComModel.map_index, XComModel.key, XComModel.value)
            .where(XComModel.dag_id == dag_id, XComModel.run_id == run_id)
            .order_by(XComModel.key)
        ):
            xcom.setdefault(guards.task_key(task_id, map_index), {})[key] = XComModel.deserialize_value(
                _XComRow(value)
            )
    tries = sorted(
        {
            Try(
                task_id=task_id,
                map_index=map_index,
                try_number=try_number,
                state=str(getattr(st, "value", st) or "none"),
                started=start.timestamp() if start else 0.0,
                ended=end.timestamp() if end else 0.0,
                error=errors.get((guards.task_key(task_id, map_index), try_number))
                or ("" if str(getattr(st, "value", st)) == "success" else killed.get(try_number, "")),
            )
            for task_id, map_index, try_number, st, start, end in rows
            if try_number > 0
        },
        key=lambda t: (t.started, t.task_id, t.map_index, t.try_number),
    )
    return RunReport(
        dag_id=dag_id,
        run_id=run_id,
        state=str(getattr(state, "value", state)),
        world=config,
        tries=tries,
        events=[e for e in events if e["run_id"] == run_id],
        warehouse=world.loaded_ids(),
        state_store=store,
        xcom=xcom,
        seconds=seconds,
        source_ids=list(world.ids),
        jobs=(jobs := batch.service(world).jobs(submitted_by=run_id)),
        jobs_left_running=[job.id for job in jobs if job.status in batch.ACTIVE],
        batch_service=batch.service(world),
    )


def latest_run_id(dag_id: str) -> str:
    """The newest run of ``dag_id`` (after a run whose process died or hung)."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return session.scalar(select(DagRun.run_id).where(DagRun.dag_id == dag_id).order_by(DagRun.id.desc()).limit(1)) or ""


def task_state_rows(dag_id: str | None = None) -> list[dict]:
    """Raw rows of Airflow's ``task_state_store`` table (key, value, expiry) in this sandbox."""
    from airflow.models.task_state_store import TaskStateStoreModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    query = select(TaskStateStoreModel).order_by(TaskStateStoreModel.id)
    if dag_id:
        query = query.where(TaskStateStoreModel.dag_id == dag_id)
    with create_session() as session:
        return [
            {
                "dag_id": row.dag_id,
                "run_id": row.run_id,
                "task_id": row.task_id,
                "map_index": row.map_index,
                "key": row.key,
                "value": json.loads(row.value),
                "expires_at": row.expires_at.isoformat(timespec="seconds") if row.expires_at else None,
            }
            for row in session.scalars(query)
        ]

def state_cleanup() -> dict[str, int]:
    """Run the configured backend's ``cleanup()`` in this process (what ``airflow state-store clean`` calls) and
    count the expired rows it deleted and the DELETE statements it took: one per batch."""
    from airflow import settings
    from airflow.state import get_state_backend
    from sqlalchemy import event

    deletes = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM TASK_STATE_STORE"):
            deletes.append(statement)

    before = len(task_state_rows())
    event.listen(settings.engine, "before_cursor_execute", seen)
    try:
        get_state_backend().cleanup()
    finally:
        event.remove(settings.engine, "before_cursor_execute", seen)
    return {"rows": before - len(task_state_rows()), "deletes": len(deletes)}

def asset_state(asset_name: str) -> dict[str, Any]:
    """What Airflow's ``asset_state_store`` holds for one asset (by its name), key by key."""
    return {row["key"]: row["value"] for row in asset_state_rows() if row["asset"] == asset_name}

def asset_state_rows() -> list[dict]:
    """Raw rows of Airflow's ``asset_state_store`` table: asset, key, value and who wrote it last."""
    from airflow.models.asset import AssetModel
    from airflow.models.asset_state_store import AssetStateStoreModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(AssetModel.name, AssetStateStoreModel)
            .join(AssetModel, AssetModel.id == AssetStateStoreModel.asset_id)
            .order_by(AssetModel.name, AssetStateStoreModel.key)
        ).all()
        return [
            {
                "asset": name,
                "key": row.key,
                "value": json.loads(row.value),
                "written_by": f"{row.last_updated_by_kind}: {row.last_updated_by_dag_id}.{row.last_updated_by_task_id}"
                + (f"[{row.last_updated_by_map_index}]" if (row.last_updated_by_map_index or -1) >= 0 else ""),
            }
            for name, row in rows
        ]

def asset_event_window(asset_name: str, dag_id: str, until: str) -> dict[str, int]:
    """How many events of ``asset_name`` a first asset-triggered run of ``dag_id``, queued at ``until`` (ISO time),
    could consume: every one recorded by then (``all``), and those after ``dag_id`` began scheduling on the asset
    (``since_scheduled``). Which of the two a release takes is the point: counted here, not trusted."""
    from datetime import datetime

    from airflow.models.asset import AssetEvent, AssetModel, DagScheduleAssetReference
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    until_time = datetime.fromisoformat(until)
    with create_session() as session:
        asset_id = session.scalar(select(AssetModel.id).where(AssetModel.name == asset_name))
        scheduled = session.scalar(
            select(func.min(DagScheduleAssetReference.created_at)).where(
                DagScheduleAssetReference.dag_id == dag_id, DagScheduleAssetReference.asset_id == asset_id
            )
        )
        events = select(func.count()).select_from(AssetEvent).where(
            AssetEvent.asset_id == asset_id, AssetEvent.timestamp <= until_time
        )
        return {
            "all": session.scalar(events) or 0,
            "since_scheduled": (session.scalar(events.where(AssetEvent.timestamp > scheduled)) or 0) if scheduled else 0,
        }

def clear_asset_state() -> None:
    """Delete every asset's state in this sandbox (a fresh deployment)."""
    from airflow.models.asset_state_store import AssetStateStoreModel
    from airflow.utils.session import create_session
    from sqlalchemy import delete

    with create_session() as session:
        session.execute(delete(AssetStateStoreModel))

def variables() -> dict[str, str]:
    """Every Airflow Variable in this sandbox (what Variable.get would return), by key."""
    from airflow.models.variable import Variable
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return {row.key: row.val for row in session.scalars(select(Variable).order_by(Variable.key))}

def clear_variables() -> None:
    """Delete every Airflow Variable in this sandbox (a fresh deployment)."""
    from airflow.models.variable import Variable
    from airflow.utils.session import create_session
    from sqlalchemy import delete

    with create_session() as session:
        session.execute(delete(Variable))


class _XComRow:
    """XComModel.deserialize_value wants an object with a ``value`` attribute."""

    def __init__(self, value: Any) -> None:
        self.value = value
