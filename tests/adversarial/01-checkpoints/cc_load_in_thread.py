# expect: fail
# class: catches-crash
# symptom: never
# why: runs the whole fetch-and-append loop in a helper thread and joins it; an injected crash kills only that thread (Airflow's current context is process-global, so the world still sees the task's try), the task then marks itself done and succeeds with the rest of the batch never loaded, so the crash never ended the try and a correct grader must fail it.
# lint: none
"""Exercise: process_large_batch resumes from its checkpoint and loads every record exactly once."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import fetch_page, transform_and_load

PAGE_SIZE = 1000


def load_everything() -> None:
    cursor = 0
    while page := fetch_page(after_id=cursor, limit=PAGE_SIZE):
        for record in page:
            transform_and_load(record)
        cursor = page[-1]["id"]


with DAG(dag_id="checkpoint_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=5, retry_delay=timedelta(seconds=0))
    def process_large_batch(task_state_store=None):
        if task_state_store.get("done", False):
            return
        worker = threading.Thread(target=load_everything, name="loader")
        worker.start()
        worker.join()
        task_state_store.set("done", True)

    process_large_batch()
