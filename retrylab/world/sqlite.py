"""One SQLite connection per thread to a world file (a lesson may run a DAG in a background thread)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class Connections:
    """Lazily opened, per-thread connections to ``path``, each set up with ``schema``."""

    def __init__(self, path: Path, schema: str, *, synchronous_off: bool = False) -> None:
        self.path = path
        self.schema = schema
        self.synchronous_off = synchronous_off
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def get(self) -> sqlite3.Connection:
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

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
