# expect: fail
# class: mistake
# symptom: already loaded
# why: checkpoints the number of pages done instead of the last id and, on a retry, turns it back into an id as pages * PAGE_SIZE (assuming ids 1..N); real ids are not that, so the retry starts from the wrong place (from the beginning on this data, past unloaded records with other paging), and a correct grader must fail it.
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
        pages_done = task_state_store.get("pages_done", 0)
        cursor = pages_done * PAGE_SIZE
        while True:
            page = fetch_page(after_id=cursor, limit=PAGE_SIZE)
            if not page:
                break
            for record in page:
                transform_and_upsert(record)
            cursor = page[-1]["id"]
            pages_done += 1
            task_state_store.set("pages_done", pages_done)

    process_large_batch()
