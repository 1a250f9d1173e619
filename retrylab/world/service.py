"""The world as a service: the source, warehouse, batch jobs and ledger of a graded run.

Why a service: a grader must judge what a DAG *did*, from evidence its code
cannot write. So while a grade runs, the world lives in the grader's process,
in memory (no file a task could open), and tasks reach it only through a Unix
socket (``remote.py``). The service learns who is calling from the socket
itself (the peer's pid, ``SO_PEERCRED``) and Airflow's record of which try
runs in that process, never from what the caller says; it keeps the fault
plan, fires the planned crashes, and writes every side effect to the ledger.

Three more things only the service can see, and the grader uses:
- calls a try makes after its planned crash fired (it caught the crash and
  carried on): recorded as ``after_crash`` and refused;
- a try that stops making progress (no call for ``STALL_S`` seconds): an
  endless loop, stopped with SIGKILL and recorded, while a slow but working
  try may take as long as it keeps calling;
- kill-mode crashes: the service itself sends SIGKILL to the calling process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import struct
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from retrylab import faults
from retrylab.guards import STALL_S, STALLED
from retrylab.world import batch, calls, landing, remote  # noqa: F401 - fills the registry of served functions
from retrylab.world.state import Caller, World, WorldConfig, WorldError

PROBE_FN = "retrylab.world.batch.job_status"
REPORT_FN = "retrylab.world.calls.report_failure"  # the lab's guard telling why the try failed
AFTER_CRASH_LIMIT = 50  # calls refused after a crash before the try is stopped outright
_UCRED = struct.Struct("3i")


class WorldService:
    """Serve the world to task processes on a private Unix socket; hold the fault plan and the ledger."""

    def __init__(self, airflow_db: Path) -> None:
        self.airflow_db = airflow_db
        self._dir = tempfile.mkdtemp(prefix="retrylab-world-")
        self.path = str(Path(self._dir) / "world.sock")
        self._root = Path(f"/retrylab-world-service-{os.getpid()}-{id(self)}")  # a name only: nothing on disk
        self.worlds: dict[str, World] = {}
        self.world = self._world_for("prod")
        self.world.reset(WorldConfig())
        self.lock = threading.RLock()  # one call at a time: tries run one after the other
        self._callers: dict[int, Caller] = {}
        self._last_call: dict[int, float] = {}
        self._crashed: dict[Caller, str] = {}
        self._refused: dict[Caller, int] = {}
        self._stalled: set[tuple[str, str]] = set()  # (run_id, task) whose try made no progress
        self.stall_s = STALL_S
        self._probe_pid = 0
        self._open: dict[int, int] = {}  # open connections: id -> peer pid
        self._closed = threading.Event()
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(self.path)
        os.chmod(self.path, 0o600)
        self._server.listen(16)
        threading.Thread(target=self._accept, name="retrylab-world-service", daemon=True).start()
        threading.Thread(target=self._watch, name="retrylab-world-watchdog", daemon=True).start()

    # -- what the grader does ------------------------------------------------
    def use(self, config: WorldConfig, *, fresh: bool = True) -> World:
        """Make ``config`` the scenario (its environment's world); ``fresh`` empties warehouse and ledger."""
        with self.lock:
            self.world = self._world_for(config.environment)
            if fresh:
                self.world.reset(config)
            else:
                self.world.reconfigure(config)
            self._callers.clear()
            self._last_call.clear()
            self._crashed.clear()
            self._refused.clear()
            self._stalled.clear()
            return self.world

    @contextlib.contextmanager
    def probing(self, pid: int) -> Iterator[None]:
        """Let process ``pid`` ask job statuses from outside a task for a block (module 03's diagnosis)."""
        self._probe_pid = pid
        try:
            yield
        finally:
            self._probe_pid = 0

    def _world_for(self, environment: str) -> World:
        if environment not in self.worlds:
            self.worlds[environment] = World(self._root / f"world-{environment}", memory=True)
        return self.worlds[environment]

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._server.close()
        with contextlib.suppress(OSError):
            os.unlink(self.path)
            os.rmdir(self._dir)
        for world in self.worlds.values():
            world.close()
        batch.service(self.world).close()

    # -- serving -------------------------------------------------------------
    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        pid = _UCRED.unpack(conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size))[0]
        self._open[id(conn)] = pid
        deferred: bytes | None = None  # the error of a posted call, told at the next call that waits
        try:
            with conn, conn.makefile("rb") as requests:
                while True:
                    try:
                        body = requests.readline()
                    except OSError:
                        return
                    if not body:
                        return
                    try:
                        posted, reply = self._handle(pid, body)
                    except _Killed:
                        return
                    if posted:
                        if reply.startswith(b'{"error":["RunawayLoop"'):
                            self._stop(pid, remote.decode(reply)["error"][1])  # a loop of posted writes hears no error
                            return
                        deferred = deferred or (reply if reply.startswith(b'{"error"') else None)
                        continue
                    reply, deferred = deferred or reply, None
                    try:
                        conn.sendall(reply)
                    except OSError:
                        return
        finally:
            self._open.pop(id(conn), None)

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until every try's connection is closed: everything it sent, posted calls too, is in the ledger."""
        deadline = time.monotonic() + timeout
        while any(pid in self._callers for pid in list(self._open.values())) and time.monotonic() < deadline:
            time.sleep(0.005)

    def _handle(self, pid: int, body: bytes) -> tuple[bool, bytes]:
        try:
            request = remote.decode(body)
            posted = bool(request.get("post"))
            fn = None if request["fn"] == remote.HELLO else remote.REGISTRY[request["fn"]]
            args, kwargs = list(request.get("args", [])), dict(request.get("kwargs", {}))
        except (ValueError, KeyError, TypeError):
            return False, remote.encode({"error": ["WorldError", "the world service got a request it does not understand"]})
        return posted, self._call(pid, request["fn"], fn, args, kwargs)

    def _call(self, pid: int, name: str, fn: Any, args: list, kwargs: dict) -> bytes:
        with self.lock:
            if pid == self._probe_pid:  # the runner asks a status for the diagnosis: no crash point, no try
                caller = calls.OUTSIDE_A_TASK if name == PROBE_FN else None
            else:
                caller = self._caller(pid)
            if caller is None:
                return remote.encode({"error": ["WorldError", _OUTSIDE]})
            self._last_call[pid] = time.monotonic()
            if fn is None:
                return remote.encode({"ok": self._sync_keys(caller)})
            if caller in self._crashed and name != REPORT_FN:
                return self._refuse(pid, caller, name)
            remote.SERVED.caller, remote.SERVED.world, remote.SERVED.pid = caller, self.world, pid
            try:
                return remote.encode({"ok": fn(*args, **kwargs)})
            except faults.InjectedCrash as crash:
                self._crashed[caller] = str(crash)
                if any(f.mode == "kill" for f in self.world.config.faults if f.on_try == caller.try_number):
                    raise _Killed from None  # fire() sent SIGKILL: nobody is left to answer
                return remote.encode({"error": ["InjectedCrash", str(crash)]})
            except (WorldError, TypeError, ValueError, KeyError, TimeoutError) as exc:
                return remote.encode({"error": [type(exc).__name__, str(exc)]})
            except Exception as exc:  # noqa: BLE001 - a bug of the service, told to the task as such
                return remote.encode({"error": ["RuntimeError", f"the world service failed: {type(exc).__name__}: {exc}"]})
            finally:
                remote.SERVED.caller = remote.SERVED.world = None
                remote.SERVED.pid = 0

    def _sync_keys(self, caller: Caller) -> list[int]:
        """The records whose write must wait for an answer: where a crash is planned for this try."""
        world, keys = self.world, []
        if world.config.source != "orders":
            return keys
        size, ids = world.config.page_size, world.ids
        for fault, point in world.config.crash_points:
            if fault.on_try != caller.try_number:
                continue
            if point.kind == "mid_page":
                index = (point.page - 1) * size + point.record - 1
            elif point.kind == "after_load":
                index = min(point.page * size, len(ids)) - 1
            else:
                continue
            if 0 <= index < len(ids):
                keys.append(ids[index])
        return keys

    def _refuse(self, pid: int, caller: Caller, name: str) -> bytes:
        """A call after the try's planned crash: evidence that the task caught it, and refused."""
        self.world.record_event(caller, "after_crash", detail=name.rsplit(".", 1)[-1])
        self._refused[caller] = self._refused.get(caller, 0) + 1
        if self._refused[caller] >= AFTER_CRASH_LIMIT:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            raise _Killed
        return remote.encode({"error": ["InjectedCrash", f"this try already crashed ({self._crashed[caller]})"]})

    def _caller(self, pid: int) -> Caller | None:
        """The try running in process ``pid``, from Airflow's metadata DB (written when the try started)."""
        if pid not in self._callers:
            row = self._running(pid)
            if row is None:
                return None
            _dag_id, run_id, task_id, map_index, try_number = row
            task = task_id if map_index is None or map_index < 0 else f"{task_id}[{map_index}]"
            self._callers[pid] = Caller(run_id, try_number, task)
        return self._callers[pid]

    def _running(self, pid: int) -> tuple | None:
        query = (
            "SELECT dag_id, run_id, task_id, map_index, try_number FROM task_instance WHERE pid=? AND state='running'"
        )
        for _ in range(20):  # the try's start is committed before its process runs any code; allow a moment
            rows = self._airflow(query, (pid,))
            if rows:
                return rows[0]
            time.sleep(0.05)
        return None

    def _airflow(self, query: str, args: tuple = ()) -> list[tuple]:
        with contextlib.closing(sqlite3.connect(f"file:{self.airflow_db}?mode=ro", uri=True, timeout=10)) as db:
            return db.execute(query, args).fetchall()

    def _stop(self, pid: int, why: str) -> None:
        """Stop a try that cannot be told (SIGKILL) and record why, as its failure."""
        with self.lock:
            caller = self._callers.get(pid)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
            if caller is not None:
                self.world.record_event(caller, "try_failed", detail=f"{caller.task}||RunawayLoop: {why}")

    # -- the watchdog -----------------------------------------------------------
    def _watch(self) -> None:
        """Stop a try that stopped making progress: no world call for ``stall_s`` seconds."""
        first_seen: dict[int, float] = {}
        while not self._closed.wait(0.5):
            try:
                running = self._airflow(
                    "SELECT pid, run_id, task_id, map_index, try_number FROM task_instance "
                    "WHERE state='running' AND pid IS NOT NULL"
                )
            except sqlite3.Error:
                continue
            now = time.monotonic()
            live = {row[0] for row in running}
            for pid in list(first_seen):
                if pid not in live:
                    del first_seen[pid]
            for pid, run_id, task_id, map_index, try_number in running:
                if pid == os.getpid():
                    continue
                task = task_id if map_index is None or map_index < 0 else f"{task_id}[{map_index}]"
                since = max(first_seen.setdefault(pid, now), self._last_call.get(pid, 0.0))
                # One stalled try is enough to know: a later try of that task (any map index) gets a second, not ten.
                limit = 1.0 if (run_id, task_id) in self._stalled and pid not in self._last_call else self.stall_s
                if now - since < limit:
                    continue
                self._stalled.add((run_id, task_id))
                with self.lock:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)
                    self.world.record_event(
                        Caller(run_id, try_number, task), "try_failed", detail=f"{task}||{STALLED.format(s=self.stall_s)}"
                    )
                first_seen[pid] = float("inf")  # stopped once; its end is Airflow's to record


class _Killed(Exception):
    """The calling process was killed; no answer goes back."""


_OUTSIDE = (
    "the world was called from a process that is not a running try of the graded DAG "
    "(a thread or subprocess the task started, or code that runs when the file is imported); "
    "call it from the task itself"
)

