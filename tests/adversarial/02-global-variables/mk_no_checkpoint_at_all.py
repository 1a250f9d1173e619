# expect: fail
# class: mistake
# symptom: already loaded
# why: drops the Variables but keeps no cursor anywhere: every try pages from id 0 with the upsert; nothing is duplicated, but a crash makes the retry redo every page an earlier try finished, against the exercise's "save the cursor after each page", so a correct grader must fail it for not resuming.
# lint: none
"""Exercise: state per task instance, so runs and environments cannot corrupt each other."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.operators import BatchJobOperator
from retrylab.world import fetch_page, transform_and_upsert

with DAG(dag_id="variables_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0))
    def ingest_records():
        cursor = 0
        while True:
            page = fetch_page(after_id=cursor, limit=1000)
            if not page:
                break
            for record in page:
                transform_and_upsert(record)
            cursor = page[-1]["id"]

    spark = BatchJobOperator(task_id="run_spark_job", job_name="spark_daily", retries=3, retry_delay=timedelta(seconds=0))

    ingest_records() >> spark
