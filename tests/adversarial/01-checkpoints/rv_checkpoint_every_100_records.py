# expect: pass
# class: right-variant
# why: checkpoints the last written record id every 100 records (and at the end of each page), so a retry resumes mid-page, further along than the last finished page; nothing finished is redone and the upsert absorbs the at most 100 repeated records, so a correct grader (one that accepts resuming at or after the last finished page) must pass it.
# lint: none
"""Exercise: process_large_batch resumes from its checkpoint and loads every record exactly once."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import fetch_page, transform_and_upsert

PAGE_SIZE = 1000
EVERY = 100

with DAG(dag_id="checkpoint_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=5, retry_delay=timedelta(seconds=0))
    def process_large_batch(task_state_store=None):
        cursor = task_state_store.get("cursor", 0)
        while True:
            page = fetch_page(after_id=cursor, limit=PAGE_SIZE)
            if not page:
                break
            for n, record in enumerate(page, start=1):
                transform_and_upsert(record)
                cursor = record["id"]
                if n % EVERY == 0 or n == len(page):
                    task_state_store.set("cursor", cursor)

    process_large_batch()
