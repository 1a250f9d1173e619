# expect: fail
# class: bad-input
# symptom: notimplementederror
# why: the untouched exercise cell (the placeholder raise NotImplementedError() is still there), so every try fails; a correct grader must fail it and say the placeholder is still in the task.
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
        # YOUR CODE HERE
        raise NotImplementedError()

    process_large_batch()
