"""Run a DAG file under a fault plan with real ``dag.test()`` and report what happened.

Why a report object: a notebook, a grader and a test all ask the same
questions of a run (which tries ran, what the warehouse holds, what the task
state store and XCom hold, what the task returned), and the answers must come
from Airflow's own metadata DB and the world's ledger, never from the DAG's
own say-so.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from retrylab import faults, guards, sandbox, startup
from retrylab.errors import LabError
from retrylab.guards import TIMED_OUT
from retrylab.stack import Deployment, WorkerStack
from retrylab.world import batch
from retrylab.world.state import World, WorldConfig

DEFAULT_TIME_LIMIT = 20.0  # seconds per try: the slowest course task (module 02's seed DAG, a Variable write per
# record) needs about 5 s, twice that on a loaded machine; an endless loop is stopped after this
MAX_RETRY_DELAY = timedelta(seconds=10)


class DagFileError(LabError):
    """The DAG file cannot be run; the message says what is wrong in it."""


@dataclass(frozen=True)
class Try:
    task_id: str
    map_index: int
    try_number: int
    state: str
    started: float
    ended: float
    error: str = ""

    @property
    def seconds(self) -> float:
        return max(0.0, self.ended - self.started)


@dataclass
class RunReport:
    """Everything one DAG run did, read back from Airflow and the world."""

    dag_id: str
    run_id: str
    state: str
    world: WorldConfig
    tries: list[Try]
    events: list[dict]
    warehouse: Counter
    state_store: dict[str, dict[str, Any]]
    xcom: dict[str, dict[str, Any]]
    seconds: float
    source_ids: list[int] = field(repr=False, default_factory=list)
    jobs: list[batch.Job] = field(default_factory=list)  # batch jobs this run submitted, in order
    jobs_left_running: list[str] = field(default_factory=list)  # still queued or running when the run ended
    batch_service: batch.BatchService | None = field(default=None, repr=False)  # whose jobs these are
    broken: str = ""  # why the run could not finish at all (its process died or hung), if it could not

    # -- questions a lesson or a check asks --------------------------------
    @property
    def succeeded(self) -> bool:
        return self.state == "success"

    def return_value(self, task_id: str | None = None) -> Any:
        task_id = task_id or self._only_task()
        return self.xcom.get(task_id, {}).get("return_value")

    def task_state(self, task_id: str | None = None) -> dict[str, Any]:
        return self.state_store.get(task_id or self._only_task(), {})

    def _only_task(self) -> str:
        tasks = sorted({t.task_id for t in self.tries})
        if len(tasks) != 1:
            raise ValueError(f"This run has tasks {tasks}; name one.")
        return tasks[0]

    @property
    def duplicates(self) -> list[int]:
        return sorted(rid for rid, n in self.warehouse.items() if n > 1)

    @property
    def missing(self) -> list[int]:
        return [rid for rid in self.source_ids if rid not in self.warehouse]

    @property
    def crashes(self) -> list[dict]:
        return [e for e in self.events if e["event"] == "crash"]

    def _by_try(self, events: tuple[str, ...], task: str | None, value) -> dict[int, list]:
        out: dict[int, list] = {}
        for e in self.events:
            if e["event"] in events and (task is None or e["task"] == task):
                out.setdefault(e["try_number"], []).append(value(e))
        return out

    def loads_by_try(self, task: str | None = None) -> dict[int, list[int]]:
        """Record ids each try wrote to the warehouse, in order (of one task, or of all)."""
        return self._by_try(("append", "upsert"), task, lambda e: e["record_id"])

    def fetches_by_try(self, task: str | None = None) -> dict[int, list[int]]:
        """The cursor (after_id) of each fetch_page call, per try."""
        return self._by_try(("fetch",), task, lambda e: e["record_id"])

    def crash_by_try(self, task: str | None = None) -> dict[int, str]:
        """The crash point that ended each crashed try."""
        return {t: points[-1] for t, points in self._by_try(("crash",), task, lambda e: e["detail"]).items()}

    def notes(self) -> list[tuple[int, str]]:
        """(try, "name=value") for every note() the tasks wrote, in order."""
        return [(e["try_number"], e["detail"]) for e in self.events if e["event"] == "note"]

    def submits_by_try(self, task: str | None = None) -> dict[int, list[str]]:
        """Batch job ids each try submitted (each one billed)."""
        return self._by_try(("submit",), task, lambda e: e["detail"].split("|")[0])

    def try_that_submitted(self, job_id: str) -> int:
        return next((t for t, ids in self.submits_by_try().items() if job_id in ids), 0)

    @property
    def billed_cents(self) -> int:
        return sum(int(e["detail"].rsplit("|", 1)[1]) for e in self.events if e["event"] == "submit")

    def needless_submissions(self) -> list[tuple[batch.Job, batch.Job, str]]:
        """(new job, earlier job, its status then) for every job submitted while an
        earlier job of this run was still queued, running, or had already succeeded."""
        out = []
        for i, job in enumerate(self.jobs):
            for earlier in self.jobs[:i]:
                then = self._status_when_submitted(earlier, job)
                if then not in (batch.FAILED, batch.CANCELLED):
                    out.append((job, earlier, then))
                    break
        return out

    def _status_when_submitted(self, earlier: batch.Job, job: batch.Job) -> str:
        """What ``earlier``'s status was when ``job`` was submitted."""
        if self.world.job_clock == "polls":
            # On the grader's clock a job ages only when polled: its last status seen before the submission.
            submitted = next(e["seq"] for e in self.events if e["event"] == "submit" and e["detail"].startswith(job.id))
            seen = [
                e["detail"].split("|")[1] for e in self.events
                if e["event"] == "poll" and e["seq"] < submitted and e["detail"].startswith(earlier.id + "|")
            ]
            return seen[-1] if seen else batch.PENDING
        return (self.batch_service or batch.service()).job(earlier.id, at=job.submitted_at).status

    def ledger_summary(self) -> dict[str, int | str]:
        loads = sum(1 for e in self.events if e["event"] in ("append", "upsert"))
        jobs = {"batch jobs billed": len(self.jobs), "cost": f"${self.billed_cents / 100:,.2f}"} if self.jobs else {}
        if jobs and not any(e["event"] == "fetch" for e in self.events):
            return jobs
        processed = Counter(e["record_id"] for e in self.events if e["event"] == "process")
        if processed or any(e["event"] == "read" for e in self.events):
            return {
                "orders processed downstream": sum(processed.values()),
                "distinct orders": len(processed),
                "processed more than once": sum(1 for n in processed.values() if n > 1),
            }
        return {
            "source records": len(self.source_ids),
            "rows written": loads,
            "rows in warehouse": sum(self.warehouse.values()),
            "distinct records": len(self.warehouse),
            "duplicate rows": sum(n - 1 for n in self.warehouse.values() if n > 1),
            "source records not loaded": len(self.missing),
        } | jobs

    # -- display ------------------------------------------------------------
    def table(self) -> str:
        from retrylab import timeline

        return timeline.table(self)

    def _repr_markdown_(self) -> str:
        from retrylab import timeline

        return timeline.markdown(self)

    def show(self) -> None:
        """Timeline picture plus its text table (for screen readers and terminals)."""
        from retrylab import timeline

        timeline.show(self)


class Lab:
    """Airflow in this process, pointed at one sandbox, ready to run DAG files."""

    def __init__(self, box: sandbox.Sandbox) -> None:
        self.box = box
        self.world = World.current()
        self.world.reset(WorldConfig())  # usable from a cell before the first run
        self._stack: WorkerStack | None = None
        self._deployment: Deployment | None = None

    # -- running ----------------------------------------------------------
    def run(
        self,
        dag_file: str | os.PathLike,
        *,
        dag_id: str | None = None,
        crash: str | faults.Fault | list | tuple | None = None,
        world: WorldConfig | None = None,
        time_limit: float = DEFAULT_TIME_LIMIT,
        kill: bool = False,
        fresh: bool = True,
    ) -> RunReport:
        """Reset the world, run the DAG once with ``dag.test()``, return the report.

        ``crash`` is a crash point (``"between_pages:3"``, ``"mid_page:2:5@2"``
        for try 2) or a list of them; ``world`` the scenario (seed, sizes).
        ``kill=True`` runs the DAG in the worker stack, where a crash is a real
        SIGKILL of the task's process (``kill=False``: an exception in this process).
        ``fresh=False`` keeps the warehouse and ledger of earlier runs (the next
        day of a daily pipeline) and only applies ``world``'s clock and faults.
        """
        return self._execute(*self._prepare(dag_file, dag_id, crash, world, kill, fresh), time_limit)

    def start_run(
        self,
        dag_file: str | os.PathLike,
        *,
        dag_id: str | None = None,
        crash: str | faults.Fault | list | tuple | None = None,
        world: WorldConfig | None = None,
        time_limit: float = DEFAULT_TIME_LIMIT,
    ) -> Future[RunReport]:
        """Like ``run(..., kill=True)``, but in the background: returns a future of the report.

        The world is reset before this returns, so ``lab.world.wait_for("crash")``
        afterwards waits for *this* run's crash (a lesson can then change
        something between two tries, as a deploy would).
        """
        prepared = self._prepare(dag_file, dag_id, crash, world, kill=True)
        pool = ThreadPoolExecutor(1, thread_name_prefix="retrylab-run")
        future = pool.submit(self._execute, *prepared, time_limit)
        pool.shutdown(wait=False)
        return future

    def _prepare(self, dag_file, dag_id, crash, world, kill: bool, fresh: bool = True):
        config = world or WorldConfig()
        if crash is not None:
            specs = [crash] if isinstance(crash, (str, faults.Fault, dict)) else list(crash)
            config = config.with_faults(*specs, mode="kill" if kill else None)
        if self._deployment is not None:
            raise LabError(
                "A deployment (scheduler and all) is running in this sandbox; its scheduler would also schedule "
                "this run's tasks. Leave the `with lab.deployment()` block first."
            )
        dag = self.load_dag(dag_file, dag_id)
        refuse_long_retry_delays(
            {t.task_id: (t.retries or 0, t.retry_delay.total_seconds() if t.retry_delay else 0.0) for t in dag.tasks}
        )
        self.use_world(config, fresh=fresh)
        return dag, config, kill or any(f.mode == "kill" for f in config.faults)

    def _execute(self, dag, config: WorldConfig, in_worker_stack: bool, time_limit: float) -> RunReport:
        started = time.monotonic()
        if in_worker_stack:
            run_id, state_note = self._run_in_worker_stack(dag, time_limit)
        else:
            with sandbox.captured_logs(self.box), guards.guarded_tasks(dag, time_limit), _interruptible(dag) as stop:
                dag_run = dag.test()
            startup.end()
            if stop:
                raise KeyboardInterrupt(f"The run of {dag.dag_id} was interrupted; it ended {dag_run.state}.")
            run_id, state_note = dag_run.run_id, ""
        report = self._report(dag.dag_id, run_id, config, time.monotonic() - started)
        if state_note:
            report.state = state_note
        return report

    def use_world(self, config: WorldConfig, *, fresh: bool = True) -> World:
        """Make ``config`` the world of this process and of the workers it starts (``fresh``: empty warehouse)."""
        os.environ[sandbox.WORLD_ENV] = str(self.box.world_for(config.environment))
        self.world = World.current()
        if fresh:
            self.world.reset(config)
        else:
            self.world.reconfigure(config)
        return self.world

    @contextlib.contextmanager
    def deployment(self) -> Iterator[Deployment]:
        """Airflow as in production for the length of a ``with`` block: scheduler, DAG processor, API server.

        DAGs in the DAGs folder start paused: unpause the ones to run
        (``airflow.unpause("orders_watermark")``). Stopped, with every process
        it started, when the block ends.
        """
        if self._stack is not None:
            self._stack.close()  # a scheduler would also pick up the worker stack's runs
            self._stack = None
        deployment = Deployment(self.box)
        self._deployment = deployment
        try:
            deployment.start()
            yield deployment
        finally:
            deployment.close()
            self._deployment = None

    @property
    def stack(self) -> WorkerStack:
        """The worker stack (API server + LocalExecutor) for kill-mode runs, started on first use."""
        if self._deployment is not None:
            raise LabError("A deployment is running in this sandbox; leave the `with lab.deployment()` block first.")
        if self._stack is None:
            self._stack = WorkerStack(self.box)
        return self._stack

    def _run_in_worker_stack(self, dag, time_limit: float) -> tuple[str, str]:
        tries = max((t.retries for t in dag.tasks), default=0) + 1
        done = self.stack.run(Path(dag.fileloc), dag.dag_id, time_limit, tries, world=self.world.root)
        if done.timed_out:
            # The stack was stopped mid-run; the run's last state in the DB tells what happened.
            from airflow.models.dagrun import DagRun
            from airflow.models.taskinstance import TaskInstance
            from airflow.utils.session import create_session
            from sqlalchemy import select

            with create_session() as session:
                run_id = session.scalar(
                    select(DagRun.run_id).where(DagRun.dag_id == dag.dag_id).order_by(DagRun.id.desc()).limit(1)
                )
                last_try = session.scalar(
                    select(TaskInstance.try_number).where(TaskInstance.dag_id == dag.dag_id, TaskInstance.run_id == run_id)
                    .order_by(TaskInstance.try_number.desc()).limit(1)
                )
            self.world.record_event((run_id or "", last_try or 0), "try_failed", detail=f"{dag.tasks[0].task_id}||{TIMED_OUT}")
            return run_id or "", "failed"
        return done.run_id, ""

    def load_dag(self, dag_file: str | os.PathLike, dag_id: str | None = None):
        """Parse the file with Airflow's DagBag; explain import errors in plain words."""
        path = self._in_dags_folder(Path(dag_file))
        from airflow.dag_processing.dagbag import DagBag

        with sandbox.captured_logs(self.box):
            bag = DagBag(dag_folder=str(path), bundle_path=self.box.dags, safe_mode=False)
        if bag.import_errors:
            raise DagFileError(explain_import_error(path, next(iter(bag.import_errors.values()))))
        found = sorted(bag.dag_ids)
        if dag_id is None:
            if len(found) != 1:
                raise DagFileError(f"{path.name} defines DAGs {found}; say which one to run (dag_id=...).")
            dag_id = found[0]
        if dag_id not in bag.dags:
            raise DagFileError(
                f"{path.name} has no DAG with dag_id {dag_id!r}"
                + (f" (it defines {found})." if found else " (it defines no DAG at all).")
                + " Keep the dag_id the exercise gives."
            )
        return bag.dags[dag_id]

    def _in_dags_folder(self, path: Path) -> Path:
        if not path.exists():
            raise DagFileError(f"There is no DAG file at {path}. Run the cell that writes it first.")
        path = path.resolve()
        if path.parent != self.box.dags:
            target = self.box.dags / path.name
            shutil.copy2(path, target)
            path = target
        return path

    # -- reading back -----------------------------------------------------
    def _report(self, dag_id: str, run_id: str, config: WorldConfig, seconds: float) -> RunReport:
        from airflow.models.dagrun import DagRun
        from airflow.models.task_state_store import TaskStateStoreModel
        from airflow.models.taskinstance import TaskInstance
        from airflow.models.taskinstancehistory import TaskInstanceHistory
        from airflow.models.xcom import XComModel
        from airflow.utils.session import create_session
        from sqlalchemy import select

        events = [e for e in self.world.ledger() if e["run_id"] in (run_id, "")]
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
            warehouse=self.world.loaded_ids(),
            state_store=store,
            xcom=xcom,
            seconds=seconds,
            source_ids=list(self.world.ids),
            jobs=(jobs := batch.service(self.world).jobs(submitted_by=run_id)),
            jobs_left_running=[job.id for job in jobs if job.status in batch.ACTIVE],
            batch_service=batch.service(self.world),
        )

    def exercise(self, module: str, dag_file: str | os.PathLike):
        """The graded exercise of ``module`` for the DAG in ``dag_file`` (graded in a process of its own)."""
        from retrylab import exercise

        return exercise(self.box.root, module, dag_file)

    def operations_exercise(self, clear_all_map_indices: Any, settings: Any):
        """Module 05's operations exercise: a REST clear of every map index, and ``[state_store]`` settings."""
        from retrylab import operations_exercise

        return operations_exercise(self, clear_all_map_indices, settings)

    def task_state_rows(self, dag_id: str | None = None) -> list[dict]:
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

    def asset_state(self, asset_name: str) -> dict[str, Any]:
        """What Airflow's ``asset_state_store`` holds for one asset (by its name), key by key."""
        return {row["key"]: row["value"] for row in self.asset_state_rows() if row["asset"] == asset_name}

    def asset_state_rows(self) -> list[dict]:
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

    def clear_asset_state(self) -> None:
        """Delete every asset's state in this sandbox (a fresh deployment)."""
        from airflow.models.asset_state_store import AssetStateStoreModel
        from airflow.utils.session import create_session
        from sqlalchemy import delete

        with create_session() as session:
            session.execute(delete(AssetStateStoreModel))

    def variables(self) -> dict[str, str]:
        """Every Airflow Variable in this sandbox (what Variable.get would return), by key."""
        from airflow.models.variable import Variable
        from airflow.utils.session import create_session
        from sqlalchemy import select

        with create_session() as session:
            return {row.key: row.val for row in session.scalars(select(Variable).order_by(Variable.key))}

    def clear_variables(self) -> None:
        """Delete every Airflow Variable in this sandbox (a fresh deployment)."""
        from airflow.models.variable import Variable
        from airflow.utils.session import create_session
        from sqlalchemy import delete

        with create_session() as session:
            session.execute(delete(Variable))

    def logs(self, tail: int = 60) -> str:
        """The last lines Airflow logged in this sandbox (hidden from cell output)."""
        if not self.box.log_file.exists():
            return ""
        return "\n".join(self.box.log_file.read_text(errors="replace").splitlines()[-tail:])

    @contextlib.contextmanager
    def settings(self, **values: Any) -> Iterator[None]:
        """Change Airflow settings for a block: ``settings(state_store__clear_on_success=True)``.

        Airflow reads ``AIRFLOW__SECTION__KEY`` environment variables on every
        lookup, so this is the same switch an operator flips in production. The
        worker stack restarts on its next use when its settings differ.
        """
        names = {f"AIRFLOW__{k.upper()}": str(v) for k, v in values.items()}
        old = {k: os.environ.get(k) for k in names}
        os.environ.update(names)
        try:
            yield
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def cli(self, *args: str) -> str:
        """Run the real ``airflow`` CLI against this sandbox and return what it printed."""
        proc = self.box.airflow_cli(*args)
        out = proc.stdout.strip()
        if proc.returncode != 0:
            raise RuntimeError(f"`airflow {' '.join(args)}` exited {proc.returncode}:\n{proc.stderr[-1500:]}")
        return out


class _XComRow:
    """XComModel.deserialize_value wants an object with a ``value`` attribute."""

    def __init__(self, value: Any) -> None:
        self.value = value


@contextlib.contextmanager
def _interruptible(dag) -> Iterator[list[bool]]:
    """Make one Ctrl-C (or Jupyter's stop button) stop the whole run.

    Airflow treats a KeyboardInterrupt inside a task as a failed try and
    retries it, so a learner would have to interrupt once per retry. Here the
    first interrupt also gives every later try of this run an instant time
    limit, and the run reports the interrupt when dag.test() returns.
    """
    stop: list[bool] = []
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum, frame):
        stop.append(True)
        for task in dag.tasks:
            task.execution_timeout = timedelta(microseconds=1)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def refuse_long_retry_delays(tasks: dict[str, tuple[int, float]]) -> None:
    """dag.test() really waits retry_delay between tries; 5 minutes would look like a hang.

    ``tasks`` maps each task id to its (retries, retry_delay in seconds).
    """
    for task_id, (retries, delay) in tasks.items():
        if retries and delay > MAX_RETRY_DELAY.total_seconds():
            raise DagFileError(
                f"Task {task_id!r} has retry_delay={timedelta(seconds=delay)} (Airflow's default is 5 minutes), "
                "and dag.test() really waits that long between tries. In this course set "
                "retry_delay=timedelta(seconds=0) so retries run at once."
            )


def explain_import_error(path: Path, raw: str) -> str:
    """Turn DagBag's traceback text into a sentence a learner can act on."""
    lines = [line for line in raw.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else raw
    if "NotImplementedError" in last:
        return (
            f"{path.name} is not done yet: it still contains the placeholder "
            "`raise NotImplementedError()`. Replace it with your code, run the cell, then check again."
        )
    if "SyntaxError" in raw or "IndentationError" in raw:
        where = next((line.strip() for line in lines if "line " in line and path.name in line), "")
        return f"{path.name} has a syntax error, so Airflow cannot load it. {where} {last}".replace("  ", " ")
    return f"Airflow could not import {path.name}: {last}"
