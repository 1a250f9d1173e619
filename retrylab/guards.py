"""The lab's guards on every task it runs: a time limit, and each failed try's error in the ledger.

Why guards: a learner's endless loop must end with a sentence, not a hung
notebook, and a timeline must say why each try failed ("ValueError ... (your
DAG file, line 23: ...)"). Both use Airflow's own mechanisms: a task's
``execution_timeout``, and either its failure callbacks (in-process runs) or
a cluster ``task_policy`` (runs whose tries happen in other processes, which
parse the DAG file themselves).
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
import types
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from retrylab import faults

TIMED_OUT = "ran past the time limit and was stopped: is there an endless loop?"
TIME_LIMIT_ENV = "RETRYLAB_TIME_LIMIT"


def task_key(task_id: str, map_index: int | None) -> str:
    return task_id if map_index is None or map_index < 0 else f"{task_id}[{map_index}]"


@contextlib.contextmanager
def guarded_tasks(dag, time_limit: float) -> Iterator[None]:
    """In-process runs: bound each try's time and record each failed try's error (callbacks)."""
    saved = []
    limit = timedelta(seconds=time_limit)
    for task in dag.tasks:
        saved.append((task, task.execution_timeout, task.on_retry_callback, task.on_failure_callback))
        if task.execution_timeout is None or task.execution_timeout > limit:
            task.execution_timeout = limit
        recorder = error_recorder(Path(dag.fileloc), task)
        task.on_retry_callback = _as_list(task.on_retry_callback) + [recorder]
        task.on_failure_callback = _as_list(task.on_failure_callback) + [recorder]
    try:
        yield
    finally:
        for task, timeout, on_retry, on_failure in saved:
            task.execution_timeout = timeout
            task.on_retry_callback = on_retry
            task.on_failure_callback = on_failure


def install_task_policy() -> None:
    """Runs whose tries are other processes: the same guards as a real ``task_policy``.

    The task process parses the DAG file itself, so the guards travel as a
    cluster policy in ``airflow_local_settings`` (inherited through fork). Not
    failure callbacks: for a killed task, ``dag.test``'s executor loop hands
    callbacks to a callback sink it never sets up.
    """
    module = types.ModuleType("airflow_local_settings")

    def guard(task) -> None:
        limit = timedelta(seconds=float(os.environ.get(TIME_LIMIT_ENV, "20")))
        if task.execution_timeout is None or task.execution_timeout > limit:
            task.execution_timeout = limit
        record = error_recorder(Path(task.dag.fileloc) if task.dag else Path("?"), task)
        execute = task.execute

        def recorded_execute(context):
            try:
                return execute(context)
            except BaseException as exc:
                record({"ti": context["ti"], "exception": exc})
                raise

        task.execute = recorded_execute

    def task_policy(task) -> None:
        if hasattr(task, "execute"):
            guard(task)
            return
        # A mapped task: each map index runs an operator unmapped from it at run time; guard that one.
        unmap = task.unmap

        def guarded_unmap(resolve):
            operator = unmap(resolve)
            guard(operator)
            return operator

        task.unmap = guarded_unmap

    module.task_policy = task_policy  # type: ignore[attr-defined]
    module.__file__ = __file__
    sys.modules["airflow_local_settings"] = module


def _as_list(callbacks) -> list:
    if not callbacks:
        return []
    return list(callbacks) if isinstance(callbacks, (list, tuple)) else [callbacks]


def error_recorder(dag_file: Path, task):
    """A callback that writes why a try failed to the ledger (through the world service in a graded try)."""

    def record(context) -> None:
        from retrylab.world import calls, remote
        from retrylab.world.state import World

        ti = context["ti"]
        error = context.get("exception")
        if is_timeout(error):
            # One endless try is enough to know: later tries of this run fail at once.
            task.execution_timeout = timedelta(microseconds=1)
        key, why = task_key(ti.task_id, getattr(ti, "map_index", -1)), describe_error(error, dag_file)
        if os.environ.get(remote.SOCKET_ENV):
            calls.report_failure(key, why)
        else:
            World.current().record_event((ti.run_id, ti.try_number), "try_failed", detail=f"{key}||{why}")

    return record


def is_timeout(error: BaseException | None) -> bool:
    from airflow.sdk.exceptions import AirflowTaskTimeout

    return isinstance(error, AirflowTaskTimeout)


def describe_error(error: BaseException | None, dag_file: Path) -> str:
    """``ValueError: ... (your DAG file, line 23: task_state_store.set(...))``."""
    if error is None:
        return "failed (no exception recorded)"
    frame = next(
        (f for f in reversed(traceback.extract_tb(error.__traceback__)) if Path(f.filename).name == dag_file.name),
        None,
    )
    if is_timeout(error):
        # Where the try was when time ran out names the loop that never ends.
        return TIMED_OUT + (f" (it was in {frame.name}, line {frame.lineno})" if frame else "")
    text = f"{type(error).__name__}: {error}".strip().rstrip(":")
    if isinstance(error, faults.InjectedCrash):
        return text
    if isinstance(error, NotImplementedError):
        where = f" in {frame.name}" if frame else ""
        return f"NotImplementedError{where}: the exercise is not done yet; replace `raise NotImplementedError()` with your code"
    if frame:
        line = (frame.line or "").strip()
        text = f"{text} (your DAG file, line {frame.lineno} in {frame.name}: {line})"
        if "asset_state_store" in line and isinstance(error, (TypeError, AttributeError)) and "NoneType" in str(error):
            text += (
                ": asset_state_store is None in a task with no asset among its inlets or outlets; "
                "add the asset to the task's inlets=[...] (or outlets)"
            )
    return text
