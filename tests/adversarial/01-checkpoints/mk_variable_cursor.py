# expect: fail
# class: mistake
# symptom: never loaded
# why: keeps the cursor in an Airflow Variable (as a string) instead of task_state_store; Variables survive retries but also outlive the DAG run, so the next run (the grader's next scenario) starts after the previous run's last id and loads nothing; a correct grader must fail it.
# lint: RS201
"""Exercise: process_large_batch resumes from its checkpoint and loads every record exactly once."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import fetch_page, transform_and_load, transform_and_upsert

PAGE_SIZE = 1000

with DAG(dag_id="checkpoint_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=5, retry_delay=timedelta(seconds=0))
    def process_large_batch(task_state_store=None):
        from airflow.sdk import Variable

        cursor = int(Variable.get("checkpoint_fix_cursor", default="0"))
        while True:
            page = fetch_page(after_id=cursor, limit=PAGE_SIZE)
            if not page:
                break
            for record in page:
                transform_and_upsert(record)
            cursor = page[-1]["id"]
            Variable.set("checkpoint_fix_cursor", str(cursor))

    process_large_batch()
