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
import signal
import sys
import threading
import time
import traceback
import types
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

from retrylab import faults

TIMED_OUT = "ran past the time limit and was stopped: is there an endless loop?"
STALL_S = 10.0  # a try that calls nothing for this long is stuck (module 03's longest wait between polls: 0.5 s)
STALLED = "made no progress for {s:.0f} s (no call to the source, the warehouse or the batch service) and was stopped: is there an endless loop?"
HARD_LIMIT = 240.0  # wall-clock seconds a try may take while it keeps making progress
TIME_LIMIT_ENV = "RETRYLAB_TIME_LIMIT"


def task_key(task_id: str, map_index: int | None) -> str:
    return task_id if map_index is None or map_index < 0 else f"{task_id}[{map_index}]"


@contextlib.contextmanager
def guarded_tasks(dag, time_limit: float) -> Iterator[None]:
    """In-process runs: bound each try's work and record each failed try's error (callbacks).

    ``time_limit`` is CPU seconds of the try's thread, not wall-clock seconds: a
    slow but working try on a loaded machine (a CI runner, a workshop server)
    uses the same CPU as on an idle one, while an endless loop burns it. A try
    that makes no world call for ``STALL_S`` is stopped too (the grader's rule),
    and Airflow's ``execution_timeout`` bounds the wall clock at ``HARD_LIMIT``.
    """
    watch = TryWatch(time_limit)
    saved = []
    limit = timedelta(seconds=max(time_limit, HARD_LIMIT))
    for task in dag.tasks:
        saved.append(
            (task, task.execution_timeout, task.on_execute_callback, task.on_retry_callback, task.on_failure_callback)
        )
        if task.execution_timeout is None or task.execution_timeout > limit:
            task.execution_timeout = limit
        recorder = error_recorder(Path(dag.fileloc), task, watch)
        task.on_execute_callback = _as_list(task.on_execute_callback) + [watch.started]
        task.on_retry_callback = _as_list(task.on_retry_callback) + [recorder]
        task.on_failure_callback = _as_list(task.on_failure_callback) + [recorder]
    watch.start()
    try:
        yield
    finally:
        watch.stop()
        for task, timeout, on_execute, on_retry, on_failure in saved:
            task.execution_timeout = timeout
            task.on_execute_callback = on_execute
            task.on_retry_callback = on_retry
            task.on_failure_callback = on_failure


class TryWatch:
    """Stop an in-process try that used ``cpu_limit`` CPU seconds or made no world call for ``STALL_S``.

    It stops a try the way Airflow's own ``execution_timeout`` does, by
    bringing its SIGALRM forward, and only while that alarm is armed (the try
    is inside ``execute``), so nothing outside a try is ever interrupted.
    """

    def __init__(self, cpu_limit: float, stall_s: float = STALL_S) -> None:
        self.cpu_limit = cpu_limit
        self.stall_s = stall_s
        self.stopped_for: dict[str, str] = {}  # task id -> why its try was stopped: STALLED, or "" (time ran out)
        self._try: tuple[str, Callable[[], float], float, float] | None = None  # task, cpu clock, cpu and wall at start
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="retrylab-try-watch", daemon=True)

    def started(self, context=None) -> None:
        """``on_execute_callback``: a try of some task begins, in this thread."""
        clock = _thread_cpu_clock()
        self._try = (context["ti"].task_id if context else "", clock, clock(), time.monotonic())

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        from retrylab.world import remote

        while not self._done.wait(0.2):
            current = self._try
            if current is None or signal.getitimer(signal.ITIMER_REAL)[0] <= 0:
                continue  # no try inside execute: nothing to stop
            task_id, clock, cpu_start, wall_start = current
            if time.monotonic() - max(wall_start, remote.last_local_call()) >= self.stall_s:
                self.stopped_for[task_id] = STALLED.format(s=self.stall_s)
            elif clock() - cpu_start >= self.cpu_limit:
                self.stopped_for[task_id] = ""
            else:
                continue
            self._try = None
            signal.setitimer(signal.ITIMER_REAL, 0.001)  # Airflow's handler raises AirflowTaskTimeout in the try


def _thread_cpu_clock() -> Callable[[], float]:
    """CPU seconds of the calling thread (wall-clock seconds where the platform cannot tell)."""
    try:
        clock_id = time.pthread_getcpuclockid(threading.get_ident())
        time.clock_gettime(clock_id)
    except (AttributeError, OSError):
        return time.monotonic
    return lambda: time.clock_gettime(clock_id)


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


def error_recorder(dag_file: Path, task, watch: TryWatch | None = None):
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
        if watch is not None and watch.stopped_for.get(ti.task_id) and is_timeout(error):
            # A stalled try (and the later tries of its task, stopped at once) say so; where the try was stays.
            why = why.replace(TIMED_OUT, watch.stopped_for[ti.task_id], 1)
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
