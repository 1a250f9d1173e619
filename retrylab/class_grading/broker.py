"""A Redis server for Celery on this machine: 127.0.0.1 only, a password, nothing written to disk.

Why Redis: it is the broker Airflow's Celery documentation starts with and one small system package
(Debian's ``redis-server``, Homebrew's ``redis``, conda-forge's ``redis-server``). A class big enough for
several machines points every machine at one broker instead; on one machine this one is started and
stopped with the grading.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from retrylab.errors import LabError
from retrylab.stack import _die_with_parent, free_port


class BrokerError(LabError):
    """Redis is missing or did not start; the message says what to do."""


@dataclass
class Redis:
    port: int
    password: str
    process: subprocess.Popen

    def url(self, db: int = 0) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/{db}"

    @staticmethod
    def binary() -> str:
        """The ``redis-server`` to start, or a BrokerError that says how to get one."""
        binary = shutil.which("redis-server")
        if binary is None:
            raise BrokerError(
                "Grading on Celery needs a Redis server and this machine has none: install it "
                "(`apt-get install redis-server`, `brew install redis` or `conda install -c conda-forge redis-server`) "
                "or grade with the LocalExecutor (leave CELERY out)."
            )
        return binary

    @classmethod
    def start(cls, folder: Path, timeout: float = 30.0) -> Redis:
        binary = cls.binary()
        folder.mkdir(parents=True, exist_ok=True)
        port, password = free_port(), secrets.token_hex(16)
        # The configuration goes in on stdin (`redis-server -`): the password never shows in `ps`.
        settings = f"bind 127.0.0.1\nport {port}\nrequirepass {password}\nsave \"\"\nappendonly no\ndir {folder}\n"
        log = open(folder / "redis.log", "a")  # noqa: SIM115 - handed to the child
        process = subprocess.Popen([binary, "-"], stdin=subprocess.PIPE, stdout=log, stderr=log, text=True, preexec_fn=_die_with_parent)
        log.close()
        process.stdin.write(settings)
        process.stdin.close()
        server = cls(port, password, process)
        server._wait(timeout, folder)
        return server

    def _wait(self, timeout: float, folder: Path) -> None:
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, password=self.password, socket_timeout=1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrokerError(f"redis-server exited with code {self.process.returncode}; see {folder / 'redis.log'}.")
            try:
                if client.ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise BrokerError(f"redis-server did not answer within {timeout:.0f} s; see {folder / 'redis.log'}.")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
