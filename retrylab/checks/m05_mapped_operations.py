"""Module 05: mapped tasks that each resume from their own state, and operating the store.

Two graders. The mapped exercise is a DAG (the crash-equivalence oracle, as in
module 01, with one cursor per map index). The operations exercise is code an
operator runs: a REST call that clears every map index of a task's state, and
the ``[state_store]`` settings a team asked for; both are checked against real
runs in the sandbox and the real API server.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from retrylab.checks import equivalence
from retrylab.checks.equivalence import CLEAN, Matrix
from retrylab.checks.module import Check, ModuleSpec, Suite
from retrylab.checks.results import CheckResult
from retrylab.runs import Lab
from retrylab.world.state import WorldConfig

SHARDS = 4
WORLD = WorldConfig(seed=7, records=1200, page_size=200, fetch_budget=100)
SUITE = Suite.of(
    WORLD,
    ("between_pages:2", "mid_page:3:5", "after_load:4", ("between_pages:1@1", "mid_page:5:7@2")),
)


def _shards(report) -> list[str]:
    return sorted({f"load_shard[{t.map_index}]" for t in report.tries if t.task_id == "load_shard"})


def _own_state(matrix: Matrix) -> list[CheckResult]:
    """Every map index resumes from its own checkpoint, judged from the ledger (what each index fetched and
    wrote after its crash), so a shard that deletes its checkpoint once it has finished is fine."""
    assert matrix.clean is not None
    if not _shards(matrix.clean):
        symptom = "the DAG ran no mapped load_shard task: keep `load_shard.expand(shard=...)`"
        return [CheckResult("", CLEAN, False, symptom)]
    return equivalence.resumes(matrix, _shards)


HIDDEN = (
    Suite.of(
        WorldConfig(seed=29, records=900, page_size=150, fetch_budget=100),
        ("mid_page:2:40", ("after_load:1@1", "between_pages:4@2")),
    ),
)

CHECKS = (
    Check(
        "clean run",
        equivalence.clean_run_loads_everything_once,
        (
            "Run it once without a crash: `lab.run(SHARDED, world=WORLD).show()`. Does every shard load its own records once?",
            "Each map index reads every page and loads the records with `record['id'] % SHARDS == shard`.",
        ),
    ),
    Check(
        "state per map index",
        _own_state,
        (
            "Look at `report.task_state()` for each index: `report.state_store` has one entry per `load_shard[i]`.",
            "Inside a mapped task, `task_state_store` is already scoped to its map index: the same key in two indices "
            "are two different rows. Keep the cursor there, not in a Variable or XCom.",
        ),
    ),
    Check(
        "exactly once",
        equivalence.exactly_once_after_each_crash,
        (
            "Which records are duplicated, and which map index loaded them? `report.loads_by_try('load_shard[1]')`.",
            "A checkpoint per page leaves the page in flight unprotected: the write itself must be idempotent.",
            "Use transform_and_upsert for the records and checkpoint the cursor after each page.",
        ),
    ),
)

SPEC = ModuleSpec(
    id="05-mapped-and-operations",
    title="Mapped tasks and operations",
    dag_id="sharded_ingest",
    task_id="load_shard",
    suite=SUITE,
    hidden=HIDDEN,
    checks=CHECKS,
)

# -- the operations exercise -------------------------------------------------

PROBE_DAG = '''"""The operations grader's probe: three mapped tasks that each write task state."""
from datetime import datetime, timedelta

from airflow.sdk import DAG, task

with DAG(dag_id="ops_probe", schedule=None, start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=0)
    def probe(part: int, fail: bool, task_state_store=None):
        task_state_store.set("part", part)
        if fail:
            raise RuntimeError("the probe fails on purpose, so its state stays")

    probe.partial(fail={fail}).expand(part=[0, 1, 2])
'''
WANTED_RETENTION = timedelta(days=7)
SETTING_NAMES = ("clear_on_success", "default_retention_days", "max_value_storage_bytes", "state_cleanup_batch_size", "backend")


def probe_run(lab: Lab, *, fail: bool) -> str:
    """Run the probe DAG in-process; returns its run_id."""
    path = lab.box.dags / "ops_probe.py"
    path.write_text(PROBE_DAG.format(fail=fail))
    return lab.run(path, dag_id="ops_probe").run_id


def check_reset(lab: Lab, reset: Callable[..., Any]) -> list[CheckResult]:
    """``reset(stack, dag_id, run_id, task_id)`` must delete every map index's rows of that task in that run only."""
    name = "clears every map index"
    try:
        params = list(inspect.signature(reset).parameters)
    except (TypeError, ValueError):
        return [CheckResult(name, "", False, f"{reset!r} is not a function")]
    if len(params) != 4:
        return [CheckResult(name, "", False, f"the function takes {params}; it must take (stack, dag_id, run_id, task_id)")]
    keep = probe_run(lab, fail=True)
    target = probe_run(lab, fail=True)
    try:
        answer = reset(lab.stack, "ops_probe", target, "probe")
    except NotImplementedError:
        return [CheckResult(name, "", False, "clear_all_map_indices is not done yet: replace `raise NotImplementedError()`")]
    except Exception as exc:  # noqa: BLE001 - reported as the symptom
        return [CheckResult(name, "", False, f"calling it raised {type(exc).__name__}: {exc}")]
    left = _rows_by_run(lab)
    problems = []
    if left.get(target):
        problems.append(f"map indices {sorted(left[target])} of the cleared run still have task state")
    if len(left.get(keep, ())) != 3:
        problems.append("it also deleted the task state of another run of the same DAG")
    status = getattr(answer, "status_code", answer)
    if status != 204 and not problems:
        problems.append(f"it returned {answer!r}; return the API's status code (204 when the state was deleted)")
    return [CheckResult(name, "", not problems, "; ".join(problems))]


def _rows_by_run(lab: Lab) -> dict[str, set[int]]:
    """The probe's task-state rows: the map indices that hold state, by run."""
    out: dict[str, set[int]] = {}
    for row in lab.task_state_rows("ops_probe"):
        out.setdefault(row["run_id"], set()).add(row["map_index"])
    return out


def check_settings(lab: Lab, team_settings: Callable[[], dict[str, Any]]) -> list[CheckResult]:
    """The team wants: state gone once a task succeeds; state of unfinished tasks kept for 7 days."""
    name = "settings do what the team asked"
    try:
        settings = team_settings() if callable(team_settings) else team_settings
    except NotImplementedError:
        return [CheckResult(name, "", False, "team_settings is not done yet: replace `raise NotImplementedError()`")]
    except Exception as exc:  # noqa: BLE001 - reported as the symptom
        return [CheckResult(name, "", False, f"team_settings() raised {type(exc).__name__}: {exc}")]
    if not isinstance(settings, dict):
        return [CheckResult(name, "", False, f"team_settings() must return a dict like {{'state_store__...': ...}}, got {type(settings).__name__}")]
    unknown = [k for k in settings if not k.startswith("state_store__") or k.split("__", 1)[1] not in SETTING_NAMES]
    if unknown:
        return [CheckResult(name, "", False, f"unknown settings {unknown}: use state_store__<name> with a name from {list(SETTING_NAMES)}")]
    problems = []
    with lab.settings(**settings):
        failed = probe_run(lab, fail=True)
        succeeded = probe_run(lab, fail=False)
    by_run = _rows_by_run(lab)
    if by_run.get(succeeded):
        problems.append("after a task succeeded its state was still there")
    if not by_run.get(failed):
        problems.append("a task that failed lost its state (keep it: someone will retry or clear it)")
    expiry = _expiry_of(lab, failed)
    if expiry is None:
        problems.append("the failed task's state never expires (retention must be 7 days)")
    elif abs(expiry - WANTED_RETENTION) > timedelta(hours=1):
        problems.append(f"the failed task's state expires after {expiry.days} days, not 7")
    return [CheckResult(name, "", not problems, "; ".join(problems))]


def _expiry_of(lab: Lab, run_id: str) -> timedelta | None:
    """How long from now the probe's state in ``run_id`` lives (None: it never expires)."""
    expires = next((r["expires_at"] for r in lab.task_state_rows("ops_probe") if r["run_id"] == run_id), None)
    return None if expires is None else datetime.fromisoformat(expires) - datetime.now(timezone.utc)


OPERATIONS_HINTS = {
    "clears every map index": (
        "The REST API path is /dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/state-store; `stack.rest(method, path, ...)` adds /api/v2 and the token.",
        "DELETE on that path clears one map index (map_index, default -1). A query parameter asks for all of them.",
        "`stack.rest('DELETE', path, params={'all_map_indices': 'true'})`, and return the reply's status_code.",
    ),
    "settings do what the team asked": (
        "Two settings of [state_store] are involved: one about success, one about how long rows live.",
        "clear_on_success deletes a task's keys when it succeeds; default_retention_days sets expires_at for keys set without a retention.",
    ),
}
