"""The lab graders use: every try in its own process, the world a service only the grader holds.

Why a second lab: the lessons' ``Lab`` runs tries inside the notebook's own
process (fast, and a demonstration can look inside), which is exactly where a
module-level variable survives a "crash" that would kill it on a real worker.
``IsolatedLab`` answers the same questions (``run()`` returns the same
``RunReport``), but the DAG's code runs only in the try runner and the
processes it forks, and the report's evidence comes from the world service
in this process and from Airflow's metadata DB.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from retrylab import faults, readback, sandbox
from retrylab.diagnosis import DagFileError, explain_import_error, refuse_long_retry_delays
from retrylab.errors import LabError
from retrylab.guards import HARD_LIMIT
from retrylab.report import RunReport
from retrylab.runs import Lab
from retrylab.tries import RunnerDied, TryRunner
from retrylab.world.service import WorldService
from retrylab.world.state import World, WorldConfig

IMPORT_LIMIT = 30.0  # seconds Airflow may take to import the DAG file


@dataclass(frozen=True)
class TaskInfo:
    task_id: str
    cls: str
    retries: int
    retry_delay: float
    mapped: bool
    own_class: bool = False  # the class is defined in the DAG file (not Airflow's, not the course's)


class IsolatedLab(Lab):
    """Runs DAG files for a grader: never imports them, and each try is a process of its own."""

    def __init__(self, box: sandbox.Sandbox) -> None:
        self.box = box
        self.service = WorldService(box.home / "airflow.db")
        self.runner = TryRunner(box, self.service.path)
        self.world = self.service.world
        self._stack = None
        self._deployment = None
        self._described: dict[tuple[str, str], dict[str, Any]] = {}

    def close(self) -> None:
        self.runner.close()
        self.service.close()

    # -- running ----------------------------------------------------------
    def run(
        self,
        dag_file: str | os.PathLike,
        *,
        dag_id: str | None = None,
        crash: str | faults.Fault | list | tuple | None = None,
        world: WorldConfig | None = None,
        time_limit: float = HARD_LIMIT,
        kill: bool = False,
        fresh: bool = True,
    ) -> RunReport:
        """Like ``Lab.run``; a crash in exception mode raises in the try's process, in kill mode kills it."""
        config = world or WorldConfig()
        if crash is not None:
            specs = [crash] if isinstance(crash, (str, faults.Fault, dict)) else list(crash)
            config = config.with_faults(*specs, mode="kill" if kill else None)
        path = self._in_dags_folder(Path(dag_file))
        dag_id, tasks = self.tasks(path, dag_id)
        refuse_long_retry_delays({t.task_id: (t.retries, t.retry_delay) for t in tasks.values()})
        tries = max((t.retries for t in tasks.values()), default=0) + 1
        config = self.use_world(config, fresh=fresh).config
        started = time.monotonic()
        try:
            reply = self.runner.request(
                {"op": "run", "dag_file": str(path), "dag_id": dag_id, "time_limit": time_limit},
                timeout=tries * (time_limit + 5) + 30,
            )
        except RunnerDied as died:
            return self._broken_run(dag_id, config, started, str(died))
        self.service.drain()
        if "import_error" in reply:
            raise DagFileError(explain_import_error(path, reply["import_error"]))
        if "error" in reply:
            return self._broken_run(dag_id, config, started, f"Airflow could not run the DAG: {reply['error']}")
        return self._report(dag_id, reply["run_id"], config, time.monotonic() - started)

    def _broken_run(self, dag_id: str, config: WorldConfig, started: float, why: str) -> RunReport:
        """The runner died or hung mid-run: report the run as far as Airflow's DB and the ledger saw it."""
        run_id = readback.latest_run_id(dag_id)
        report = self._report(dag_id, run_id, config, time.monotonic() - started)
        report.state = "failed"
        report.broken = why[:1].upper() + why[1:]
        return report

    def _in_dags_folder(self, path: Path) -> Path:
        """The graded file alone in the grader's DAGs folder: ``dag.test()`` parses every file there, and a file
        graded earlier must not run its import-time code again while another is graded."""
        if not path.exists():
            raise DagFileError(f"There is no DAG file at {path}. Run the cell that writes it first.")
        path = path.resolve()
        for other in self.box.dags.glob("*.py"):
            if other != path and other.name != path.name:
                other.unlink()
        return super()._in_dags_folder(path)

    def start_run(self, *args: Any, **kwargs: Any):
        raise LabError("A grader's runs are not started in the background; use run().")

    def use_world(self, config: WorldConfig, *, fresh: bool = True) -> World:
        """The scenario, on the grader's job clock (jobs age per status check, not with the machine's load)."""
        self.world = self.service.use(replace(config, job_clock="grader"), fresh=fresh)
        return self.world

    # -- what the file holds, asked of the runner ---------------------------
    def tasks(self, dag_file: str | os.PathLike, dag_id: str | None = None) -> tuple[str, dict[str, TaskInfo]]:
        """The DAG's id and its tasks as Airflow parses them (in the runner: never in this process)."""
        path = self._in_dags_folder(Path(dag_file))
        dags = self._describe(path)
        found = sorted(dags)
        if dag_id is None:
            if len(found) != 1:
                raise DagFileError(f"{path.name} defines DAGs {found}; say which one to run (dag_id=...).")
            dag_id = found[0]
        if dag_id not in dags:
            raise DagFileError(
                f"{path.name} has no DAG with dag_id {dag_id!r}"
                + (f" (it defines {found})." if found else " (it defines no DAG at all).")
                + " Keep the dag_id the exercise gives."
            )
        return dag_id, {
            task_id: TaskInfo(task_id, t["class"], t["retries"], t["retry_delay"], t["mapped"], t.get("own_class", False))
            for task_id, t in dags[dag_id].items()
        }

    def _describe(self, path: Path) -> dict[str, Any]:
        key = (str(path), hashlib.sha256(path.read_bytes()).hexdigest())
        if key not in self._described:
            try:
                reply = self.runner.request({"op": "describe", "dag_file": str(path)}, timeout=IMPORT_LIMIT)
            except RunnerDied as died:
                if "no answer" in str(died):
                    raise DagFileError(
                        f"Importing {path.name} did not finish within {IMPORT_LIMIT:.0f} s: does the file run an endless "
                        "loop, or wait for something, when Airflow imports it (outside any task)?"
                    ) from None
                raise DagFileError(f"{path.name} could not be loaded: {died}") from None
            if "import_error" in reply:
                raise DagFileError(explain_import_error(path, reply["import_error"]))
            if "error" in reply:
                raise DagFileError(f"Airflow could not load {path.name}: {reply['error']}")
            self._described[key] = reply["dags"]
        return self._described[key]

    def probe(self, dag_file: str | os.PathLike, dag_id: str, task_id: str, job_ids: list[str], statuses: list[str]) -> dict[str, Any]:
        """Ask an operator's own methods (in the runner) about real jobs and every status."""
        path = self._in_dags_folder(Path(dag_file))
        with self.service.probing(self.runner.pid):
            try:
                reply = self.runner.request(
                    {"op": "probe", "dag_file": str(path), "dag_id": dag_id, "task_id": task_id,
                     "job_ids": job_ids, "statuses": statuses},
                    timeout=30,
                )
            except RunnerDied:
                return {}
        return reply.get("answers", {})

    def load_dag(self, dag_file: str | os.PathLike, dag_id: str | None = None):
        raise LabError("A grader never imports the DAG file it grades; ask tasks() or probe() instead.")
