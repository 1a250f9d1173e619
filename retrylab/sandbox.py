"""A private Airflow installation for one notebook kernel or test.

Why: a learner's own ``~/airflow`` must never be read or written, every kernel
must start from the same empty metadata DB, and ``airflow db migrate`` (about
6 s) must not be paid per notebook. So a migrated DB is built once per Airflow
version (the *template*) and copied, which takes milliseconds.

Airflow reads its configuration when it is first imported, so a sandbox must
be opened before anything imports ``airflow`` in the process.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from retrylab import versions
from retrylab.errors import LabError

CACHE_ENV = "RETRYLAB_CACHE"
WORLD_ENV = "RETRYLAB_WORLD"


class SandboxError(LabError):
    """The sandbox cannot be used as asked; the message says what to do."""


def cache_dir() -> Path:
    """Where templates live: $RETRYLAB_CACHE, else ~/.cache/retrylab."""
    base = os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "retrylab"
    return Path(base)


def _airflow_env(home: Path) -> dict[str, str]:
    """The settings every sandboxed Airflow process gets (notebook, CLI, workers)."""
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW_CONFIG": str(home / "airflow.cfg"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # A writer waits up to 30 s for SQLite's lock (Python's default is 5 s): on a busy machine a
        # Variable.set from a task waited out the scheduler loop's transaction and failed the try.
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}?timeout=30",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        # dag.test() starts an in-process API; keep its secrets local and stable.
        "AIRFLOW__API_AUTH__JWT_SECRET": "retrylab-sandbox-only",
    }


def template_path(airflow_version: str | None = None) -> Path:
    version = airflow_version or versions.installed_airflow() or "none"
    return cache_dir() / f"template-airflow-{version}"


def ensure_template(airflow_version: str | None = None) -> Path:
    """Build the migrated template DB once per Airflow version (locked, atomic)."""
    target = template_path(airflow_version)
    if (target / "airflow.db").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_file = target.parent / f".{target.name}.lock"
    with open(lock_file, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / "airflow.db").exists():
            return target
        work = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
        env = {**os.environ, **_airflow_env(work)}
        env.pop("AIRFLOW__CORE__DAGS_FOLDER", None)
        proc = subprocess.run(
            [sys.executable, "-m", "airflow", "db", "migrate"],
            env=env,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            shutil.rmtree(work, ignore_errors=True)
            raise SandboxError(
                "Could not build the Airflow template database "
                f"(`airflow db migrate` exited {proc.returncode}):\n{proc.stderr[-2000:]}"
            )
        shutil.rmtree(work / "logs", ignore_errors=True)
        os.replace(work, target)
    return target


@dataclass(frozen=True)
class Sandbox:
    """Paths of one sandbox. ``root`` holds Airflow's home and the world."""

    root: Path
    dags: Path

    @property
    def home(self) -> Path:
        return self.root / "airflow"

    @property
    def world(self) -> Path:
        return self.root / "world"

    def world_for(self, environment: str) -> Path:
        """Each environment's source, warehouse and ledger (``prod`` is the default world)."""
        if environment == "prod":
            return self.world
        if not environment.isidentifier():
            raise SandboxError(f"An environment name must be a plain word, got {environment!r}.")
        return self.root / f"world-{environment}"

    @property
    def log_file(self) -> Path:
        return self.root / "airflow.log"

    def env(self) -> dict[str, str]:
        """Environment for this sandbox's Airflow (also for CLI subprocesses)."""
        return {
            **_airflow_env(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags),
            WORLD_ENV: str(self.world),
        }

    def airflow_cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run the real ``airflow`` CLI against this sandbox."""
        return subprocess.run(
            [sys.executable, "-m", "airflow", *args],
            env={**os.environ, **self.env()},
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def create(root: Path | str, dags: Path | str | None = None) -> Sandbox:
    """Lay out a fresh sandbox in ``root`` from the template (wipes old state)."""
    root = Path(root).resolve()
    box = Sandbox(root=root, dags=Path(dags).resolve() if dags else root / "dags")
    template = ensure_template()
    shutil.rmtree(box.home, ignore_errors=True)
    shutil.rmtree(box.world, ignore_errors=True)
    shutil.rmtree(box.root / "state-objects", ignore_errors=True)  # module 05's offloaded values, last time's
    for old in [*box.root.glob("world-*"), *box.root.glob("batch.db*")]:  # other environments, the job service
        shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()
    box.home.mkdir(parents=True)
    box.world.mkdir(parents=True)
    box.dags.mkdir(parents=True, exist_ok=True)
    for name in ("airflow.db", "airflow.cfg"):
        if (template / name).exists():
            shutil.copy2(template / name, box.home / name)
    return box


def activate(box: Sandbox) -> None:
    """Point this process at ``box``. Must happen before ``airflow`` is imported."""
    if "airflow" in sys.modules or "airflow.sdk" in sys.modules:
        current = os.environ.get("AIRFLOW_HOME")
        if current != str(box.home):
            raise SandboxError(
                "Airflow was already imported in this process with another AIRFLOW_HOME "
                f"({current or '~/airflow'}). Restart the kernel and run the set-up cell first."
            )
    os.environ.update(box.env())
    _skip_slow_optional_imports()


def _skip_slow_optional_imports() -> None:
    """Keep jsonschema from importing rfc3987_syntax (about 1 s, builds a grammar).

    Jupyter installs it as an optional extra of jsonschema; Airflow never
    validates the IRI formats it serves, so the kernel does not need it.
    Only done when jsonschema is not imported yet, so nothing loaded changes.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


@contextlib.contextmanager
def captured_logs(box: Sandbox) -> Iterator[Path]:
    """Send stdout and stderr to the sandbox log file for a block.

    Airflow's log handlers and loggers bind the stream they find when they are
    configured (at import) or first used (during a run), so importing and
    running inside this block keeps Airflow's logging in the file. A learner sees the run's report,
    not hundreds of log lines; ``Lab.logs()`` prints the file's tail on demand.
    """
    sink = _log_sink(box)
    with contextlib.redirect_stderr(sink), contextlib.redirect_stdout(sink):
        yield box.log_file


_SINKS: dict[Path, TextIO] = {}


def _log_sink(box: Sandbox) -> TextIO:
    """One append handle per log file, kept open: Airflow's handlers hold on to it."""
    if box.log_file not in _SINKS:
        _SINKS[box.log_file] = open(box.log_file, "a", buffering=1)  # noqa: SIM115
    return _SINKS[box.log_file]
