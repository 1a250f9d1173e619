"""The lint's rules: what each finds, why it breaks on a retry, and which module teaches the fix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: str  # "error" | "warning" | "note" (SARIF's levels)
    message: str
    fix: str
    module: str  # the course module that shows the failure and teaches the fix

    @property
    def help(self) -> str:
        return f"{self.fix} (taught in module {self.module})"


RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule(
            "RS000", "syntax-error", "error",
            "the file does not parse, so nothing in it was checked",
            "fix the syntax error (python -m py_compile FILE shows it)",
            "00-orientation",
        ),
        Rule(
            "RS101", "xcom-checkpoint", "error",
            "the task reads back its own XCom to resume, but XCom is cleared when each try starts",
            "keep the checkpoint in task_state_store (get it at the start, set it after each committed write)",
            "01-checkpoints",
        ),
        Rule(
            "RS102", "xcom-cursor-in-loop", "warning",
            "XCom pushed inside a loop as progress: the next try starts with none of it",
            "task_state_store.set() the cursor after each committed page; push one result at the end",
            "01-checkpoints",
        ),
        Rule(
            "RS201", "variable-progress", "error",
            "a Variable written by a task to carry progress or a job id: one global value shared by every run, "
            "task and environment that uses the key",
            "task_state_store for per-task-instance progress, asset_state_store for a watermark, "
            "ResumableJobMixin for a job id; keep Variables for read-only configuration",
            "02-global-variables",
        ),
        Rule(
            "RS301", "wall-clock-watermark", "error",
            "a watermark set from the wall clock: records that arrive late, or while the task runs, are skipped",
            "move the watermark to what was loaded (the largest event time or id among the loaded rows)",
            "04-asset-watermarks",
        ),
        Rule(
            "RS401", "unpersisted-job-id", "error",
            "an external job submitted and waited on in one try with its id kept nowhere: "
            "a retry after a crash submits (and pays for) a second job",
            "a ResumableJobMixin operator (submit_job / get_job_status / poll_until_complete ...), "
            "or task_state_store.set the id right after submit and look for it first",
            "03-resumable-jobs",
        ),
        Rule(
            "RS402", "resumable-not-durable", "error",
            "ResumableJobMixin with durable=False: the job id is not stored, so a retry submits again",
            "leave durable at its default (True)",
            "03-resumable-jobs",
        ),
        Rule(
            "RS403", "pending-not-active", "error",
            "is_job_active cannot report a queued or pending job as active: a retry that finds one submits again",
            "treat every non-terminal status as active (e.g. `return status not in TERMINAL`)",
            "03-resumable-jobs",
        ),
        Rule(
            "RS404", "job-id-in-asset-state", "error",
            "a job id kept in asset_state_store, which outlives the DAG run: the next run finds the last run's "
            "finished job and never runs its own",
            "keep the job id in task_state_store (one per task instance) or use ResumableJobMixin",
            "04-asset-watermarks",
        ),
        Rule(
            "RS405", "poll-returns-nothing", "warning",
            "poll_until_complete returns nothing: on a retry that reconnects to a running job, execute_resumable "
            "returns what poll_until_complete returns (3.3.x), so the task's result differs after a crash",
            "return the job's result from poll_until_complete (e.g. `return self.get_job_result(external_id, context)`)",
            "03-resumable-jobs",
        ),
        Rule(
            "RS501", "process-state", "error",
            "progress kept in the worker's memory (module-level or class-level state, os.environ, a cache): "
            "each try is a new process, so a retry starts with none of it",
            "task_state_store (per task instance) or asset_state_store (per asset)",
            "01-checkpoints",
        ),
        Rule(
            "RS502", "local-file-state", "warning",
            "progress kept in a local file: the retry may run on another worker, or a fresh container, without it",
            "task_state_store for the cursor; files only for data the same try writes and reads",
            "01-checkpoints",
        ),
        Rule(
            "RS601", "checkpoint-before-write", "error",
            "the checkpoint moves before the write it covers: a crash between the two loses those records for good",
            "write (idempotently) first, then move the checkpoint",
            "01-checkpoints",
        ),
        Rule(
            "RS602", "append-after-cursor", "warning",
            "a plain append behind a resumable cursor: a crash after the write and before the checkpoint "
            "writes those records twice",
            "make the write idempotent (upsert or merge on a key), then checkpoint",
            "01-checkpoints",
        ),
        Rule(
            "RS603", "checkpoint-cleared-at-start", "error",
            "the task clears its state before reading it: every retry throws away the checkpoint the last try left",
            "clear (or delete the key) at the end, once the work is complete, never at the start of a try",
            "05-mapped-and-operations",
        ),
        Rule(
            "RS604", "asset-state-race", "error",
            "a mapped task reads, changes and writes back one asset-state key: the map indices race and the last "
            "writer wins (an update is lost)",
            "give each writer its own key (e.g. one per map index or region) and combine them when reading",
            "04-asset-watermarks",
        ),
        Rule(
            "RS701", "non-json-state", "error",
            "a state-store value that is not JSON (None, a datetime, a tuple, a set, bytes): the write fails at run time",
            "store JSON values only: str, int, float, bool, list, dict (datetimes as ISO strings; delete() for none)",
            "01-checkpoints",
        ),
        Rule(
            "RS702", "int-retention", "error",
            "retention given as a number: Airflow 3.3 raises TypeError",
            "retention=timedelta(days=...) or NEVER_EXPIRE (from airflow.sdk)",
            "01-checkpoints",
        ),
        Rule(
            "RS703", "asset-store-without-assets", "error",
            "asset_state_store in a task with no inlets or outlets: it is None (KeyError from the context)",
            "declare the asset in the task's inlets or outlets",
            "04-asset-watermarks",
        ),
        Rule(
            "RS704", "not-in-3-3", "error",
            "a task_state_store call Airflow 3.3 does not have (async aget/aset/adelete/aclear, keys(), "
            "clear(all_map_indices=...)): AttributeError or TypeError at run time",
            "use get/set/delete/clear; clear every map index through the REST API "
            "(DELETE .../state-store?all_map_indices=true)",
            "05-mapped-and-operations",
        ),
    )
}
