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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from retrylab import faults
from retrylab.checks.results import CheckResult
from retrylab.daily import DailyReport
from retrylab.diagnosis import DagFileError
from retrylab.guards import STALLED, TIMED_OUT
from retrylab.report import RunReport
from retrylab.runs import Lab
from retrylab.timeline import describe_ids
from retrylab.world.state import WorldConfig

CLEAN = "clean run"
STALLED_PREFIX = STALLED.split("{")[0]


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

    def to_json(self) -> dict[str, Any]:
        return {
            "faults": [f.to_json() for f in self.faults],
            "world": self.world.to_json() if self.world else None,
            "note": self.note,
            "name": self.name,
            "run": self.run,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scenario:
        world = WorldConfig.from_json(data["world"]) if data.get("world") else None
        return cls(faults.plan(*data.get("faults", ())), world, data.get("note", ""), data.get("name", ""), data.get("run", 0))

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
    lab: Any = None  # the IsolatedLab that ran it, for checks that question the DAG's operators (in its runner)
    dag_file: Path | None = None
    dag_id: str = ""


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
    progress: Progress | bool | None = None,
    before: Callable[[], None] | None = None,
    stop: Callable[[Matrix], bool] | None = None,
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
    key = (id(lab), digest, dag_id, world, tuple(scenarios), before is not None, run)
    if key in _CACHE:
        return replace(_CACHE[key], dag_file=path)  # the same text under another name: questions go to this file
    matrix = Matrix(world, lab=lab, dag_file=path, dag_id=dag_id)
    if before is not None:
        before()
    bar = _progress(len(scenarios) + 1, progress)
    try:
        matrix.clean = run(lab, path, dag_id, world, Scenario(()))
        bar(CLEAN)
        if matrix.clean.broken:
            matrix.error = matrix.clean.broken
            return matrix
        if not matrix.clean.succeeded:
            # Nothing to compare against: every scenario would fail the same way.
            matrix.error = "Without any crash, " + run_failed_symptom(matrix.clean, CLEAN).replace(
                f" after {CLEAN}", ""
            )
            return matrix
        if stop is not None and stop(matrix):
            return matrix
        for scenario in scenarios:
            report = run(lab, path, dag_id, world, scenario)
            matrix.runs.append((scenario, report))
            bar(scenario.label)
            timed_out = next((t.error for t in report.tries if t.error.startswith((TIMED_OUT, STALLED_PREFIX))), "")
            if timed_out:
                matrix.error = f"After {scenario.label}, a try {timed_out}"
                return matrix
            if getattr(report, "broken", ""):
                matrix.error = f"After {scenario.label}: {report.broken}"
                return matrix
            if stop is not None and stop(matrix):
                return matrix  # the caller has its answer (a failing scenario): not cached, it is partial
    except DagFileError as exc:
        matrix.error = str(exc)
    finally:
        bar(None)
    _CACHE[key] = matrix
    return matrix


Progress = Callable[[str], None]


def _progress(total: int, out: Progress | bool | None) -> Callable[[str | None], None]:
    """One line of dots (to ``out``, or the real stdout for ``True``).

    Plain text on purpose: it reads the same in JupyterLab, a terminal, and a
    saved notebook (a redrawn bar leaves one line per redraw in saved output).
    """
    if not out:
        return lambda _label: None
    if out is True:
        stream = sys.stdout

        def out(text: str) -> None:
            stream.write(text)
            stream.flush()

    out(f"Running the clean run and {total - 1} crash scenarios ")

    def step(label: str | None) -> None:
        out(" done\n" if label is None else ".")

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


def redone_records(report: RunReport, task: str | None = None) -> tuple[int, list[int], int | None]:
    """The worst retry of ``task`` (or of all tasks): (try, records it rewrote beyond the interrupted page,
    its first cursor). Read from the ledger: what each try fetched and wrote, not what state it left."""
    loads = report.loads_by_try(task)
    fetches = report.fetches_by_try(task)
    page_size = report.world.page_size
    position = {rid: i for i, rid in enumerate(report.source_ids)}
    worst: tuple[int, list[int], int | None] = (0, [], None)
    crashed_at = report.crash_by_try(task)
    earlier: set[int] = set()
    previous: list[int] = []
    previous_try = 0
    for try_number in sorted(loads):
        rewritten = [r for r in loads[try_number] if r in earlier]
        if previous and not crashed_at.get(previous_try, "").startswith("between_pages"):
            # A crash inside a page (or after its load, before the checkpoint)
            # leaves that page in flight: redoing it is allowed, since the
            # window between writing and checkpointing is what the sink's
            # idempotence covers. After a between_pages crash nothing is.
            last_page = position[previous[-1]] // page_size
            rewritten = [r for r in rewritten if position[r] // page_size != last_page]
        if len(rewritten) > len(worst[1]):
            worst = (try_number, rewritten, (fetches.get(try_number) or [None])[0])
        earlier.update(loads[try_number])
        previous, previous_try = loads[try_number], try_number
    return worst


def resumes(
    matrix: Matrix,
    tasks: Callable[[RunReport], list[str | None]] = lambda _r: [None],
    must_succeed: Callable[[Scenario], bool] = lambda _s: True,
) -> list[CheckResult]:
    """Every retry resumes where its task's last try stopped (per task that ``tasks`` names; default: all).

    ``must_succeed`` says which scenarios' runs must also end in success (not one that fails by design)."""
    results = []
    for scenario, report in matrix.runs:
        problems = []
        for task in tasks(report):
            try_number, redone, cursor = redone_records(report, task)
            if redone:
                start = "from the very beginning" if not cursor else f"after id {cursor}"
                who = f"{task}'s " if task else ""
                problems.append(
                    f"after {scenario.label}, {who}try {try_number} started {start} and re-did records "
                    f"{describe_ids(redone, report.source_ids)} that an earlier try had already loaded"
                )
        if not report.succeeded and not problems and must_succeed(scenario):
            problems.append(run_failed_symptom(report, scenario.label))
        results.append(CheckResult("resumes", scenario.label, not problems, "; ".join(problems), {"redone": len(problems)}))
    return results
