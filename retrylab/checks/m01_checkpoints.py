"""Module 01: a batch that resumes from a checkpoint and loads every record exactly once."""

from __future__ import annotations

from retrylab.checks import equivalence
from retrylab.checks.equivalence import Matrix
from retrylab.checks.module import ModuleSpec, Suite
from retrylab.checks.results import CheckResult
from retrylab.runs import RunReport
from retrylab.timeline import describe_ids
from retrylab.world.state import WorldConfig

PUBLIC_CRASHES = (
    "between_pages:1",
    "between_pages:3",
    "between_pages:6",
    "mid_page:1:1",
    "mid_page:2:17",
    "mid_page:4:200",
    "after_load:2",
    "after_load:5",
    ("between_pages:2@1", "mid_page:4:10@2"),
    ("mid_page:3:399@1", "between_pages:5@2"),
)
SUITE = Suite.of(WorldConfig(seed=7, records=2400, page_size=400), PUBLIC_CRASHES)


def _return_value(matrix: Matrix) -> list[CheckResult]:
    assert matrix.clean is not None
    return [equivalence.same_return_value(s.label, r, matrix.clean) for s, r in matrix.runs]


def redone_records(report: RunReport) -> tuple[int, list[int], int | None]:
    """The worst retry: (try, records it rewrote beyond the interrupted page, its first cursor)."""
    loads = report.loads_by_try()
    fetches = report.fetches_by_try()
    page_size = report.world.page_size
    position = {rid: i for i, rid in enumerate(report.source_ids)}
    worst: tuple[int, list[int], int | None] = (0, [], None)
    crashed_at = report.crash_by_try()
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


def _resumes(matrix: Matrix) -> list[CheckResult]:
    results = []
    for scenario, report in matrix.runs:
        try_number, redone, cursor = redone_records(report)
        ok = not redone and report.succeeded
        if not report.succeeded:
            symptom = equivalence.run_failed_symptom(report, scenario.label)
        elif redone:
            start = "from the very beginning" if not cursor else f"after id {cursor}"
            symptom = (
                f"after {scenario.label}, try {try_number} started {start} and re-did records "
                f"{describe_ids(redone, report.source_ids)} that an earlier try had already loaded"
            )
        else:
            symptom = ""
        results.append(CheckResult("resumes from checkpoint", scenario.label, ok, symptom, {"redone": len(redone)}))
    return results


HINTS = {
    "clean run": (
        "Run the DAG without any crash first: `lab.run(DAG_FILE).show()`. Does it load every record once?",
        "The loop must stop when fetch_page returns an empty list, and the cursor must move to the last id of each page.",
    ),
    "resumes from checkpoint": (
        "On the retry, where does your task get its starting cursor from? Put `note('cursor', cursor)` before the loop and look at `report.notes()`.",
        "XCom of a task instance is cleared when a new try starts, so try 2 never sees what try 1 pushed. Airflow 3.3 has a per-task-instance store that survives retries.",
        "Read the cursor from `task_state_store` (default 0) before the loop, and write it there after each page is loaded.",
    ),
    "exactly once": (
        "Look at which records are duplicated: are they all inside one page? Then the crash hit between writing rows and saving the cursor.",
        "A checkpoint alone cannot cover the gap between the write and the checkpoint. The write itself must be safe to repeat.",
        "Use the warehouse's idempotent write (`transform_and_upsert`) together with the checkpoint: checkpoint + idempotent sink = exactly-once effect.",
    ),
    "same return value": (
        "Compare `report.return_value()` of a clean run and a crashed run.",
        "A retry only sees its own try. Return something that describes the whole batch (for example where the cursor ended), not a count of this try's work.",
    ),
}

SPEC = ModuleSpec(
    id="01-checkpoints",
    title="Checkpoints that survive retries",
    dag_id="checkpoint_fix",
    task_id="process_large_batch",
    suite=SUITE,
    checks={
        "clean run": equivalence.clean_run_loads_everything_once,
        "resumes from checkpoint": _resumes,
        "exactly once": equivalence.exactly_once_after_each_crash,
        "same return value": _return_value,
    },
    hints=HINTS,
)
