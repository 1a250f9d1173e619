"""The lessons' lab: Airflow in the notebook's process, running DAG files under a fault plan.

Why in-process: a lesson runs dozens of DAGs and must show each one at once
(0.2-0.4 s a run after start-up), and a demonstration may look inside. Real
worker deaths run in the worker stack (``stack/``); grading never uses this
process at all (``tries/``). What a run did is read back from Airflow's DB
and the world's ledger into a ``RunReport`` (``report.py``, ``readback.py``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from retrylab import faults, guards, readback, sandbox, startup
from retrylab.diagnosis import DagFileError, explain_import_error, refuse_long_retry_delays
from retrylab.errors import LabError
from retrylab.guards import TIMED_OUT
from retrylab.report import RunReport
from retrylab.stack import Deployment, WorkerStack
from retrylab.world.state import World, WorldConfig

DEFAULT_TIME_LIMIT = 20.0  # CPU seconds per in-process try (wall-clock seconds in the worker stack): the slowest
# course task (module 02's seed DAG, a Variable write per record) uses about 5; an endless loop is stopped after this

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
        with _interruptible() as interrupt:
            prepared = self._prepare(dag_file, dag_id, crash, world, kill, fresh)
            interrupt.dag = prepared[0]
            return self._execute(*prepared, time_limit, interrupt)

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

    def _execute(
        self, dag, config: WorldConfig, in_worker_stack: bool, time_limit: float, interrupt: _Interrupt | None = None
    ) -> RunReport:
        started = time.monotonic()
        interrupt = interrupt or _Interrupt()  # a run in a background thread (start_run) has no Ctrl-C of its own
        if in_worker_stack:
            run_id, state_note = self._run_in_worker_stack(dag, time_limit, interrupted=lambda: interrupt.requested)
        else:
            with sandbox.captured_logs(self.box), guards.guarded_tasks(dag, time_limit):
                dag_run = dag.test()
            startup.end()
            if interrupt.requested:
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

    def _run_in_worker_stack(self, dag, time_limit: float, interrupted=lambda: False) -> tuple[str, str]:
        tries = max((t.retries for t in dag.tasks), default=0) + 1
        done = self.stack.run(
            Path(dag.fileloc), dag.dag_id, time_limit, tries, world=self.world.root, interrupted=interrupted
        )
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
        return readback.run_report(self.world, dag_id, run_id, config, seconds)

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
        return readback.task_state_rows(dag_id)

    def state_cleanup(self) -> dict[str, int]:
        """The configured backend's ``cleanup()`` run here, as ``airflow state-store clean`` runs it: the expired
        rows it deleted and the DELETE statements it took (one per ``state_cleanup_batch_size`` batch)."""
        return readback.state_cleanup()

    def asset_state(self, asset_name: str) -> dict[str, Any]:
        """What Airflow's ``asset_state_store`` holds for one asset (by its name), key by key."""
        return readback.asset_state(asset_name)

    def asset_state_rows(self) -> list[dict]:
        """Raw rows of Airflow's ``asset_state_store`` table: asset, key, value and who wrote it last."""
        return readback.asset_state_rows()

    def asset_event_window(self, asset_name: str, dag_id: str, until: str) -> dict[str, int]:
        """Events of ``asset_name`` up to ``until``: every one (``all``) and those after ``dag_id`` began scheduling
        on the asset (``since_scheduled``): the two windows a first asset-triggered run may consume."""
        return readback.asset_event_window(asset_name, dag_id, until)

    def clear_asset_state(self) -> None:
        """Delete every asset's state in this sandbox (a fresh deployment)."""
        readback.clear_asset_state()

    def variables(self) -> dict[str, str]:
        """Every Airflow Variable in this sandbox (what Variable.get would return), by key."""
        return readback.variables()

    def clear_variables(self) -> None:
        """Delete every Airflow Variable in this sandbox (a fresh deployment)."""
        readback.clear_variables()

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
        """Run the real ``airflow`` CLI against this sandbox and return what it printed.

        It says so on stderr first: the CLI takes 5 s to start here, more on a busy machine, and a
        cell that shows nothing for that long looks stuck.
        """
        command = " ".join(("airflow", *args))
        started = time.monotonic()
        print(f"`{command}` (Airflow's CLI takes a few seconds to start) ...", end="", file=sys.stderr, flush=True)
        proc = self.box.airflow_cli(*args)
        print(f" done in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
        # Airflow 3.3.0's CLI logs "setup plugin alembic..." lines to stdout before its output (3.3.1 does not):
        # noise, not what the command printed.
        out = "\n".join(line for line in proc.stdout.splitlines() if "setup plugin alembic" not in line).strip()
        if proc.returncode != 0:
            raise RuntimeError(f"`airflow {' '.join(args)}` exited {proc.returncode}:\n{proc.stderr[-1500:]}")
        return out


class _Interrupt:
    """Whether Ctrl-C came during a run, remembered even when its KeyboardInterrupt was swallowed."""

    def __init__(self) -> None:
        self.requested = False
        self.dag = None  # the run's DAG, once parsed: its later tries get an instant time limit


@contextlib.contextmanager
def _interruptible() -> Iterator[_Interrupt]:
    """Make one Ctrl-C (or Jupyter's stop button) stop the whole run.

    Airflow treats a KeyboardInterrupt inside a task as a failed try and
    retries it, so a learner would have to interrupt once per retry. Here the
    first interrupt also gives every later try of this run an instant time
    limit, and the run reports the interrupt when dag.test() returns. A
    KeyboardInterrupt raised inside a destructor is only printed by Python (to
    the sandbox log, while Airflow's output goes there): the flag still stops
    the run (in kill mode within half a second, seen in CI under load).
    """
    interrupt = _Interrupt()
    if threading.current_thread() is not threading.main_thread():
        yield interrupt
        return

    def handler(signum, frame):
        interrupt.requested = True
        for task in interrupt.dag.tasks if interrupt.dag is not None else ():
            task.execution_timeout = timedelta(microseconds=1)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield interrupt
    finally:
        signal.signal(signal.SIGINT, previous)
