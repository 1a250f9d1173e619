# expect: fail
# class: bad-input
# symptom: process_large_batch
# why: a correct body, but the task is named load_batch instead of process_large_batch, so the DAG has no task the exercise asks for; a correct grader must fail it and name the missing task.
# lint: none
"""Exercise: process_large_batch resumes from its checkpoint and loads every record exactly once."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import fetch_page, transform_and_load, transform_and_upsert

PAGE_SIZE = 1000

with DAG(dag_id="checkpoint_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=5, retry_delay=timedelta(seconds=0))
    def load_batch(task_state_store=None):
        cursor = task_state_store.get("cursor", 0)
        while page := fetch_page(after_id=cursor, limit=PAGE_SIZE):
            for record in page:
                transform_and_upsert(record)
            cursor = page[-1]["id"]
            task_state_store.set("cursor", cursor)

    load_batch()
