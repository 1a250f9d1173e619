"""SQLite connections to a world's database: one per thread to a file, or one in memory.

A lesson may run a DAG in a background thread, so a file gets a connection per
thread. The world service keeps its worlds in memory (nothing on disk a task
could open), on one connection it uses from one thread at a time.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class Connections:
    """Lazily opened, per-thread connections to ``path``, each set up with ``schema``."""

    def __init__(self, path: Path, schema: str, *, synchronous_off: bool = False, memory: bool = False) -> None:
        self.path = path
        self.schema = schema
        self.synchronous_off = synchronous_off
        self.memory = memory
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def get(self) -> sqlite3.Connection:
        if self.memory:
            return self._in_memory()
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            if self.synchronous_off:
                # Durable against a crashed process (the fault model), not a crashed OS.
                conn.execute("PRAGMA synchronous=OFF")
            conn.executescript(self.schema)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _in_memory(self) -> sqlite3.Connection:
        conn = _MEMORY.get(str(self.path))
        if conn is None:
            conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            conn.executescript(self.schema)
            _MEMORY[str(self.path)] = conn
        return conn

    def close(self) -> None:
        if self.memory:
            conn = _MEMORY.pop(str(self.path), None)
            if conn is not None:
                conn.close()
            return
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


_MEMORY: dict[str, sqlite3.Connection] = {}  # in-memory databases by their (virtual) path
