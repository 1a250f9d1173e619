# expect: fail
# class: mistake
# symptom: return
# why: correct checkpoint + upsert, but returns how many records *this try* loaded; a clean run returns the full count and a crashed run returns only what the last try did, so a correct grader must fail the same-return-value check.
# lint: none
"""Exercise: process_large_batch resumes from its checkpoint and loads every record exactly once."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import fetch_page, transform_and_load, transform_and_upsert

PAGE_SIZE = 1000

with DAG(dag_id="checkpoint_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=5, retry_delay=timedelta(seconds=0))
    def process_large_batch(task_state_store=None):
        cursor = task_state_store.get("cursor", 0)
        loaded = 0
        while True:
            page = fetch_page(after_id=cursor, limit=PAGE_SIZE)
            if not page:
                break
            for record in page:
                transform_and_upsert(record)
                loaded += 1
            cursor = page[-1]["id"]
            task_state_store.set("cursor", cursor)
        return loaded

    process_large_batch()
