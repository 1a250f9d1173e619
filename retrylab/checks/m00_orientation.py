"""Module 00: a task that survives crashes by retrying at once."""

from __future__ import annotations

from retrylab.checks import equivalence
from retrylab.checks.equivalence import Matrix
from retrylab.checks.module import Check, ModuleSpec, Suite
from retrylab.checks.results import CheckResult
from retrylab.world.state import WorldConfig

MAX_GAP_SECONDS = 2.0

SUITE = Suite.of(
    WorldConfig(seed=7, records=300, page_size=100),
    ("mid_page:1:20", ("mid_page:1:20@1", "mid_page:1:60@2")),
)


def _survives(matrix: Matrix) -> list[CheckResult]:
    out = []
    for scenario, report in matrix.runs:
        once = equivalence.exactly_once(scenario.label, report, matrix.clean)
        out.append(CheckResult("survives crashes", scenario.label, once.passed, once.symptom, once.counts))
    return out


def _retries_at_once(matrix: Matrix) -> list[CheckResult]:
    out = []
    for scenario, report in matrix.runs:
        gaps = [(b.try_number, b.started - a.ended) for a, b in zip(report.tries, report.tries[1:])]
        slow = [(n, g) for n, g in gaps if g > MAX_GAP_SECONDS]
        if not report.succeeded:
            symptom = equivalence.run_failed_symptom(report, scenario.label)
        elif slow:
            n, gap = slow[0]
            symptom = f"after {scenario.label}, try {n} started {gap:.1f} s after the previous try ended"
        else:
            symptom = ""
        out.append(CheckResult("retries at once", scenario.label, not symptom, symptom, {"tries": len(report.tries)}))
    return out


HIDDEN = (
    Suite.of(WorldConfig(seed=3, records=150, page_size=50), (("mid_page:1:10@1", "mid_page:1:49@2"), "mid_page:1:50")),
)

CHECKS = (
    Check(
        "survives crashes",
        _survives,
        (
            "How many times may Airflow run a task? Look at the timeline: after the first failed try, is there a second?",
            "A task gets `retries` extra tries. Two crashes in a row need at least two retries.",
            "Set `retries=` on the @task decorator.",
        ),
    ),
    Check(
        "retries at once",
        _retries_at_once,
        (
            "Look at the gap between the bars on the timeline.",
            "Airflow waits `retry_delay` before the next try (5 minutes unless you say otherwise).",
            "Pass `retry_delay=timedelta(seconds=0)` to the @task decorator.",
        ),
    ),
)

SPEC = ModuleSpec(
    id="00-orientation",
    title="Orientation: runs, retries and crash points",
    dag_id="hello_retries",
    task_id="load_first_page",
    suite=SUITE,
    hidden=HIDDEN,
    checks=CHECKS,
)
