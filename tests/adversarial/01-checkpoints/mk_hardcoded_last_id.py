# expect: fail
# class: mistake
# symptom: never
# why: stops when the cursor reaches 9328, the last order id of the notebook's data (seed 7, 2400 records), instead of on an empty page; it passes the visible checks but with another seed or record count it either stops early (records never loaded) or never stops, so a correct grader (with its hidden scenario) must fail it.
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
        last_id = 9328  # the last order in the source (see the ledger)
        cursor = task_state_store.get("cursor", 0)
        while cursor < last_id:
            page = fetch_page(after_id=cursor, limit=PAGE_SIZE)
            for record in page:
                transform_and_upsert(record)
            if page:
                cursor = page[-1]["id"]
                task_state_store.set("cursor", cursor)

    process_large_batch()
