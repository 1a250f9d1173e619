# expect: pass
# class: slow-but-correct
# why: calls task_state_store.set() after every single record (thousands of writes per run, each with an explicit retention), which is slow but finite and correct: checkpoint + upsert, never redoes a finished page; a correct grader must pass it and not mistake it for an endless loop.
# lint: none
"""Exercise: process_large_batch resumes from its checkpoint and loads every record exactly once."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import fetch_page, transform_and_upsert

PAGE_SIZE = 1000

with DAG(dag_id="checkpoint_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=5, retry_delay=timedelta(seconds=0))
    def process_large_batch(task_state_store=None):
        cursor = task_state_store.get("cursor", 0)
        while True:
            page = fetch_page(after_id=cursor, limit=PAGE_SIZE)
            if not page:
                break
            for record in page:
                transform_and_upsert(record)
                cursor = record["id"]
                task_state_store.set("cursor", cursor, retention=timedelta(days=2))

    process_large_batch()
