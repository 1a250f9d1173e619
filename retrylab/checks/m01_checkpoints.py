"""Module 01: a batch that resumes from a checkpoint and loads every record exactly once."""

from __future__ import annotations

from retrylab.checks import equivalence
from retrylab.checks.equivalence import Matrix
from retrylab.checks.module import Check, ModuleSpec, Suite
from retrylab.checks.results import CheckResult
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


HIDDEN = (
    Suite.of(
        WorldConfig(seed=13, records=1500, page_size=250),
        (
            "between_pages:2",
            "between_pages:4",
            "mid_page:1:250",
            "mid_page:3:1",
            "mid_page:5:123",
            "after_load:1",
            "after_load:6",
            ("between_pages:1@1", "between_pages:3@2", "mid_page:5:5@3"),
        ),
    ),
)

CHECKS = (
    Check(
        "clean run",
        equivalence.clean_run_loads_everything_once,
        (
            "Run the DAG without any crash first: `lab.run(\"dags/checkpoint_fix.py\", world=WORLD).show()`. Does it load every record once?",
            "The loop must stop when fetch_page returns an empty list, and the cursor must move to the last id of each page.",
        ),
    ),
    Check(
        "resumes from checkpoint",
        equivalence.resumes,
        (
            "On the retry, where does your task get its starting cursor from? Put `note('cursor', cursor)` before the loop and look at `report.notes()`.",
            "XCom of a task instance is cleared when a new try starts, so try 2 never sees what try 1 pushed. Airflow 3.3 has a per-task-instance store that survives retries.",
            "Read the cursor from `task_state_store` (default 0) before the loop, and write it there after each page is loaded.",
        ),
    ),
    Check(
        "exactly once",
        equivalence.exactly_once_after_each_crash,
        (
            "Look at which records are duplicated: are they all inside one page? Then the crash hit between writing rows and saving the cursor.",
            "A checkpoint alone cannot cover the gap between the write and the checkpoint. The write itself must be safe to repeat.",
            "Use the warehouse's idempotent write (`transform_and_upsert`) together with the checkpoint: checkpoint + idempotent sink = exactly-once effect.",
        ),
    ),
    Check(
        "same return value",
        _return_value,
        (
            "Compare `report.return_value()` of a clean run and a crashed run.",
            "A retry only sees its own try. Return something that describes the whole batch (for example where the cursor ended), not a count of this try's work.",
        ),
    ),
)

SPEC = ModuleSpec(
    id="01-checkpoints",
    title="Checkpoints that survive retries",
    dag_id="checkpoint_fix",
    task_id="process_large_batch",
    suite=SUITE,
    hidden=HIDDEN,
    checks=CHECKS,
)
