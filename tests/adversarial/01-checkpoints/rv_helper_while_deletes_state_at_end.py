# expect: pass
# class: right-variant
# why: a while-loop in a module-level helper, state read through the **context dict, and the task deletes its own checkpoint once the batch is done (only after the empty page proves the end); every record still lands exactly once and a retry never redoes a finished page, so a correct grader must pass it.
# lint: none
"""Exercise: process_large_batch resumes from its checkpoint and loads every record exactly once."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import fetch_page, transform_and_load, transform_and_upsert  # noqa: F401

PAGE_SIZE = 1000
CURSOR = "last_loaded_id"


def load_pages(store) -> None:
    cursor = store.get(CURSOR, 0)
    page = fetch_page(after_id=cursor, limit=PAGE_SIZE)
    while page:
        for record in page:
            transform_and_upsert(record)
        cursor = page[-1]["id"]
        store.set(CURSOR, cursor)
        page = fetch_page(after_id=cursor, limit=PAGE_SIZE)


with DAG(dag_id="checkpoint_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=5, retry_delay=timedelta(seconds=0))
    def process_large_batch(**context):
        store = context["task_state_store"]
        load_pages(store)
        store.delete(CURSOR)  # the batch is complete: nothing left to resume

    process_large_batch()
