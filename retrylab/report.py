"""What one DAG run did: its tries, the ledger of side effects, the warehouse, task state and XCom.

Why a report object: a notebook, a grader and a test all ask the same
questions of a run (which tries ran, what the warehouse holds, what the task
state store and XCom hold, what the task returned), and the answers must come
from Airflow's own metadata DB and the world's ledger (``readback.py``), never
from the DAG's own say-so.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from retrylab.world import batch
from retrylab.world.state import WorldConfig


@dataclass(frozen=True)
class Try:
    task_id: str
    map_index: int
    try_number: int
    state: str
    started: float
    ended: float
    error: str = ""

    @property
    def seconds(self) -> float:
        return max(0.0, self.ended - self.started)


@dataclass(repr=False)
class RunReport:
    """Everything one DAG run did, read back from Airflow and the world.

    Its repr is one line: a notebook saves a cell's plain-text repr beside the Markdown table, and the
    dataclass's own (every field) was 18 KB per report.
    """

    dag_id: str
    run_id: str
    state: str
    world: WorldConfig
    tries: list[Try]
    events: list[dict]
    warehouse: Counter
    state_store: dict[str, dict[str, Any]]
    xcom: dict[str, dict[str, Any]]
    seconds: float
    source_ids: list[int] = field(repr=False, default_factory=list)
    jobs: list[batch.Job] = field(default_factory=list)  # batch jobs this run submitted, in order
    jobs_left_running: list[str] = field(default_factory=list)  # still queued or running when the run ended
    batch_service: batch.BatchService | None = field(default=None, repr=False)  # whose jobs these are
    broken: str = ""  # why the run could not finish at all (its process died or hung), if it could not

    def __repr__(self) -> str:
        return f"<RunReport {self.dag_id}: {self.state} in {len(self.tries)} tries, {self.seconds:.1f} s>"

    # -- questions a lesson or a check asks --------------------------------
    @property
    def succeeded(self) -> bool:
        return self.state == "success"

    def return_value(self, task_id: str | None = None) -> Any:
        task_id = task_id or self._only_task()
        return self.xcom.get(task_id, {}).get("return_value")

    def task_state(self, task_id: str | None = None) -> dict[str, Any]:
        return self.state_store.get(task_id or self._only_task(), {})

    def _only_task(self) -> str:
        tasks = sorted({t.task_id for t in self.tries})
        if len(tasks) != 1:
            raise ValueError(f"This run has tasks {tasks}; name one.")
        return tasks[0]

    @property
    def duplicates(self) -> list[int]:
        return sorted(rid for rid, n in self.warehouse.items() if n > 1)

    @property
    def missing(self) -> list[int]:
        return [rid for rid in self.source_ids if rid not in self.warehouse]

    @property
    def crashes(self) -> list[dict]:
        return [e for e in self.events if e["event"] == "crash"]

    def _by_try(self, events: tuple[str, ...], task: str | None, value) -> dict[int, list]:
        out: dict[int, list] = {}
        for e in self.events:
            if e["event"] in events and (task is None or e["task"] == task):
                out.setdefault(e["try_number"], []).append(value(e))
        return out

    def loads_by_try(self, task: str | None = None) -> dict[int, list[int]]:
        """Record ids each try wrote to the warehouse, in order (of one task, or of all)."""
        return self._by_try(("append", "upsert"), task, lambda e: e["record_id"])

    def fetches_by_try(self, task: str | None = None) -> dict[int, list[int]]:
        """The cursor (after_id) of each fetch_page call, per try."""
        return self._by_try(("fetch",), task, lambda e: e["record_id"])

    def crash_by_try(self, task: str | None = None) -> dict[int, str]:
        """The crash point that ended each crashed try."""
        return {t: points[-1] for t, points in self._by_try(("crash",), task, lambda e: e["detail"]).items()}

    def notes(self) -> list[tuple[int, str]]:
        """(try, "name=value") for every note() the tasks wrote, in order."""
        return [(e["try_number"], e["detail"]) for e in self.events if e["event"] == "note"]

    def submits_by_try(self, task: str | None = None) -> dict[int, list[str]]:
        """Batch job ids each try submitted (each one billed)."""
        return self._by_try(("submit",), task, lambda e: e["detail"].split("|")[0])

    def try_that_submitted(self, job_id: str) -> int:
        return next((t for t, ids in self.submits_by_try().items() if job_id in ids), 0)

    @property
    def billed_cents(self) -> int:
        return sum(int(e["detail"].rsplit("|", 1)[1]) for e in self.events if e["event"] == "submit")

    def needless_submissions(self) -> list[tuple[batch.Job, batch.Job, str]]:
        """(new job, earlier job, its status then) for every job submitted while an
        earlier job of this run was still queued, running, or had already succeeded."""
        out = []
        for i, job in enumerate(self.jobs):
            for earlier in self.jobs[:i]:
                then = self._status_when_submitted(earlier, job)
                if then not in (batch.FAILED, batch.CANCELLED):
                    out.append((job, earlier, then))
                    break
        return out

    def _status_when_submitted(self, earlier: batch.Job, job: batch.Job) -> str:
        """What ``earlier``'s status was when ``job`` was submitted."""
        if self.world.job_clock == "grader":
            # On the grader's clock a job ages only when a try looks at it: its last status seen before the submission.
            submitted = next(e["seq"] for e in self.events if e["event"] == "submit" and e["detail"].startswith(job.id))
            seen = [
                e["detail"].split("|")[1] for e in self.events
                if e["event"] == "poll" and e["seq"] < submitted and e["detail"].startswith(earlier.id + "|")
            ]
            return seen[-1] if seen else batch.PENDING
        return (self.batch_service or batch.service()).job(earlier.id, at=job.submitted_at).status

    def ledger_summary(self) -> dict[str, int | str]:
        loads = sum(1 for e in self.events if e["event"] in ("append", "upsert"))
        jobs = {"batch jobs billed": len(self.jobs), "cost": f"${self.billed_cents / 100:,.2f}"} if self.jobs else {}
        if jobs and not any(e["event"] == "fetch" for e in self.events):
            return jobs
        processed = Counter(e["record_id"] for e in self.events if e["event"] == "process")
        if processed or any(e["event"] == "read" for e in self.events):
            return {
                "orders processed downstream": sum(processed.values()),
                "distinct orders": len(processed),
                "processed more than once": sum(1 for n in processed.values() if n > 1),
            }
        return {
            "source records": len(self.source_ids),
            "rows written": loads,
            "rows in warehouse": sum(self.warehouse.values()),
            "distinct records": len(self.warehouse),
            "duplicate rows": sum(n - 1 for n in self.warehouse.values() if n > 1),
            "source records not loaded": len(self.missing),
        } | jobs

    # -- display ------------------------------------------------------------
    def table(self) -> str:
        from retrylab import timeline

        return timeline.table(self)

    def _repr_markdown_(self) -> str:
        from retrylab import timeline

        return timeline.markdown(self)

    def show(self) -> None:
        """Timeline picture plus its text table (for screen readers and terminals)."""
        from retrylab import timeline

        timeline.show(self)
