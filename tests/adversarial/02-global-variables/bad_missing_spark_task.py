# expect: fail
# class: bad-input
# symptom: run_spark_job
# why: only ingest_records is written (the learner stopped halfway); the DAG has no run_spark_job, so a correct grader must fail it and name the missing task instead of passing on the ingest alone.
# lint: none
"""Exercise: state per task instance, so runs and environments cannot corrupt each other."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.operators import BatchJobOperator
from retrylab.world import fetch_page, transform_and_upsert

with DAG(dag_id="variables_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0))
    def ingest_records(task_state_store=None):
        cursor = task_state_store.get("cursor", 0)
        while page := fetch_page(after_id=cursor, limit=1000):
            for record in page:
                transform_and_upsert(record)
            cursor = page[-1]["id"]
            task_state_store.set("cursor", cursor)

    ingest_records()
