# expect: fail
# class: bad-input
# symptom: variables_fix
# why: a correct solution under dag_id "variables_fixed" (a typo); the grader runs the DAG the exercise names, which is not in the file, so a correct grader must fail it and say which dag_id it looked for.
# lint: none
"""Exercise: state per task instance, so runs and environments cannot corrupt each other."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.operators import BatchJobOperator
from retrylab.world import fetch_page, transform_and_upsert

with DAG(dag_id="variables_fixed", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0))
    def ingest_records(task_state_store=None):
        cursor = task_state_store.get("cursor", 0)
        while page := fetch_page(after_id=cursor, limit=1000):
            for record in page:
                transform_and_upsert(record)
            cursor = page[-1]["id"]
            task_state_store.set("cursor", cursor)

    spark = BatchJobOperator(task_id="run_spark_job", job_name="spark_daily", retries=3, retry_delay=timedelta(seconds=0))

    ingest_records() >> spark
