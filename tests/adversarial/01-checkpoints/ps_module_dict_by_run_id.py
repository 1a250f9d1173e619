# expect: fail
# class: process-state
# symptom: already loaded
# why: keeps the cursor in a module-level dict keyed by run_id instead of task_state_store; under dag.test() every try shares one process so the dict survives, but on a real worker each try is a new process and the retry starts again from id 0, so a correct grader (each try in its own process) must fail it for not resuming.
# lint: RS501
"""Exercise: process_large_batch resumes from its checkpoint and loads every record exactly once."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import fetch_page, transform_and_upsert

PAGE_SIZE = 1000
_CURSORS: dict[str, int] = {}  # run_id -> last loaded id

with DAG(dag_id="checkpoint_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=5, retry_delay=timedelta(seconds=0))
    def process_large_batch(task_state_store=None, **context):
        run_id = context["run_id"]
        cursor = _CURSORS.get(run_id, 0)
        while True:
            page = fetch_page(after_id=cursor, limit=PAGE_SIZE)
            if not page:
                break
            for record in page:
                transform_and_upsert(record)
            cursor = page[-1]["id"]
            _CURSORS[run_id] = cursor

    process_large_batch()
