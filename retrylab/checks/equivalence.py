"""The crash-equivalence oracle: for every crash point, the end state equals a clean run.

Why an oracle instead of reading the learner's code: many correct programs
exist, and every one of them ends in the same place as a run that never
crashed. So a check runs the DAG once clean, then once per crash scenario, and
compares what the world and Airflow hold at the end.
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retrylab import faults
from retrylab.checks.results import CheckResult
from retrylab.daily import DailyReport
from retrylab.runs import TIMED_OUT, DagFileError, Lab, RunReport
from retrylab.timeline import describe_ids
from retrylab.world import batch
from retrylab.world.state import WorldConfig

CLEAN = "clean run"


@dataclass(frozen=True)
class Scenario:
    """Crashes on chosen tries, optionally in a world of its own (``note`` says how it differs)."""

    faults: tuple[faults.Fault, ...]
    world: WorldConfig | None = None
    note: str = ""
    name: str = ""  # a label that replaces the generated one (for a long fault plan)
    run: int = 0  # in a series of daily runs (module 04), the run (from 1) whose producer crashes

    @classmethod
    def of(cls, spec: str | Sequence[str], *, kill: bool = False) -> Scenario:
        specs = [spec] if isinstance(spec, str) else list(spec)
        return cls(faults.plan(*specs, mode="kill" if kill else None))

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        crashes = ", then ".join(f.label for f in self.faults)
        if crashes and self.run:
            crashes += f" of run {self.run}"
        parts = [p for p in (self.note, crashes) if p]
        return " and ".join(parts) if parts else CLEAN


@dataclass
class Matrix:
    """The clean run and one run per scenario, or the reason nothing could run."""

    world: WorldConfig
    clean: RunReport | None = None
    runs: list[tuple[Scenario, RunReport]] = field(default_factory=list)
    error: str = ""
    dag: Any = None  # the DAG as Airflow parsed it, for checks that question its operators

    def task(self, task_id: str) -> Any:
        return self.dag.task_dict.get(task_id) if self.dag is not None else None


_CACHE: dict[tuple, Matrix] = {}
RunScenario = Callable[[Lab, Path, str, WorldConfig, Scenario], Any]


def run_once(lab: Lab, path: Path, dag_id: str, world: WorldConfig, scenario: Scenario) -> RunReport:
    """A scenario as one DAG run (modules 00-03)."""
    return lab.run(path, dag_id=dag_id, world=scenario.world or world, crash=list(scenario.faults))


def run_matrix(
    lab: Lab,
    dag_file: str | Path,
    dag_id: str,
    world: WorldConfig,
    scenarios: Sequence[Scenario],
    *,
    progress: bool = False,
    before: Callable[[], None] | None = None,
    run: RunScenario = run_once,
) -> Matrix:
    """Run clean, then every scenario; reuse results for an unchanged file in this process.

    ``before`` runs first (module 02 starts from a deployment without Variables);
    ``run`` runs one scenario (module 04 runs a series of days per scenario).
    """
    path = Path(dag_file)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return Matrix(world, error=f"There is no DAG file at {path}. Run the cell that writes it first.")
    key = (digest, dag_id, world, tuple(scenarios), before is not None, run)
    if key in _CACHE:
        return _CACHE[key]
    matrix = Matrix(world)
    if before is not None:
        before()
    bar = _progress(len(scenarios) + 1, enabled=progress)
    try:
        matrix.clean = run(lab, path, dag_id, world, Scenario(()))
        matrix.dag = lab.load_dag(path, dag_id)
        bar(CLEAN)
        if not matrix.clean.succeeded:
            # Nothing to compare against: every scenario would fail the same way.
            matrix.error = "Without any crash, " + run_failed_symptom(matrix.clean, CLEAN).replace(
                f" after {CLEAN}", ""
            )
            return matrix
        for scenario in scenarios:
            report = run(lab, path, dag_id, world, scenario)
            matrix.runs.append((scenario, report))
            bar(scenario.label)
            timed_out = next((t.error for t in report.tries if t.error.startswith(TIMED_OUT)), "")
            if timed_out:
                matrix.error = f"After {scenario.label}, a try {timed_out}"
                return matrix
    except DagFileError as exc:
        matrix.error = str(exc)
    finally:
        bar(None)
        batch.service().cancel_active()  # a check leaves no job running in the service
    _CACHE[key] = matrix
    return matrix


def _progress(total: int, *, enabled: bool) -> Callable[[str | None], None]:
    """One line of dots on the real stdout (runs capture sys.stdout while they last).

    Plain text on purpose: it reads the same in JupyterLab, a terminal, and a
    saved notebook (a redrawn bar leaves one line per redraw in saved output).
    """
    if not enabled:
        return lambda _label: None
    out = sys.stdout
    out.write(f"Running the clean run and {total - 1} crash scenarios ")
    out.flush()

    def step(label: str | None) -> None:
        out.write(" done\n" if label is None else ".")
        out.flush()

    return step


# -- comparisons shared by every module ---------------------------------------
def run_failed_symptom(report: RunReport | DailyReport, label: str) -> str:
    """Why the run failed, from the try whose error says most (one that points into the DAG file).

    Of a series of nights: why the first run that failed did, naming its DAG and night.
    """
    if isinstance(report, DailyReport):
        night, failed = next((d.label, r) for d in report.days for r in (d.producer, d.consumer) if r and not r.succeeded)
        return run_failed_symptom(failed, label).replace("the run", f"the {failed.dag_id} run of {night}", 1)
    failed = [t for t in report.tries if t.error]
    last = next((t for t in reversed(failed) if "(your DAG file" in t.error or "(it was in " in t.error), None)
    last = last or (failed[-1] if failed else None)
    why = f": try {last.try_number} {last.error}" if last else ""
    return f"the run ended {report.state} after {label}{why}"


def exactly_once(
    label: str, report: RunReport, clean: RunReport | None = None, *, require_success: bool = True
) -> CheckResult:
    """The warehouse holds what a clean run leaves (default: every source record once)."""
    want = clean.warehouse if clean is not None else Counter(report.source_ids)
    got = report.warehouse
    dup = sorted(rid for rid, n in got.items() if n > max(want.get(rid, 1), 1))
    missing = [rid for rid in report.source_ids if want.get(rid) and not got.get(rid)]
    counts = {"duplicate_rows": sum(got[r] - max(want.get(r, 1), 1) for r in dup), "missing": len(missing)}
    problems = []
    if dup:
        extra = max(got[r] for r in dup)
        times = "twice" if extra == 2 else f"up to {extra} times"
        problems.append(f"records {describe_ids(dup, report.source_ids)} loaded {times} after {label}")
    if missing:
        problems.append(f"records {describe_ids(missing, report.source_ids)} never loaded after {label}")
    if require_success and not report.succeeded and not problems:
        problems.append(run_failed_symptom(report, label))
    return CheckResult("exactly once", label, not problems, "; ".join(problems), counts)


def clean_run_loads_everything_once(matrix: Matrix) -> list[CheckResult]:
    """The check "clean run": without any crash, every source record is loaded exactly once."""
    assert matrix.clean is not None
    result = exactly_once(CLEAN, matrix.clean)
    return [CheckResult("clean run", CLEAN, result.passed, result.symptom, result.counts)]


def exactly_once_after_each_crash(matrix: Matrix) -> list[CheckResult]:
    """The check "exactly once": after every crash scenario the warehouse holds what the clean run left."""
    return [exactly_once(s.label, r, matrix.clean) for s, r in matrix.runs]


def same_return_value(label: str, report: RunReport, clean: RunReport) -> CheckResult:
    got, want = report.return_value(), clean.return_value()
    ok = report.succeeded and got == want
    symptom = "" if ok else (
        run_failed_symptom(report, label)
        if not report.succeeded
        else f"the task returned {got!r} after {label}, but {want!r} on a clean run"
    )
    return CheckResult("same return value", label, ok, symptom)


def dag_error_results(checks: Sequence[str], error: str) -> list[CheckResult]:
    return [CheckResult(name, "", False, error) for name in checks]
