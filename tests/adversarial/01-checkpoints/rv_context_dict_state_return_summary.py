# expect: pass
# class: right-variant
# why: reaches the store through get_current_context(), keeps cursor and page count together in one JSON dict under its own key name, uses a for-loop over itertools.count and returns a summary read from state, which is the same on a clean run and after crashes; a correct grader must pass it.
# lint: none
"""Exercise: process_large_batch resumes from its checkpoint and loads every record exactly once."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from airflow.sdk import DAG, get_current_context, task

from retrylab.world import fetch_page, transform_and_upsert

PAGE_SIZE = 1000
PROGRESS_KEY = "batch_progress"

with DAG(dag_id="checkpoint_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=5, retry_delay=timedelta(seconds=0))
    def process_large_batch():
        store = get_current_context()["task_state_store"]
        progress = store.get(PROGRESS_KEY, {"after_id": 0, "pages": 0, "records": 0})

        for _ in itertools.count():
            page = fetch_page(after_id=progress["after_id"], limit=PAGE_SIZE)
            if not page:
                break
            for record in page:
                transform_and_upsert(record)
            progress = {
                "after_id": page[-1]["id"],
                "pages": progress["pages"] + 1,
                "records": progress["records"] + len(page),
            }
            store.set(PROGRESS_KEY, progress)

        return {"last_id": progress["after_id"], "records": progress["records"]}

    process_large_batch()
