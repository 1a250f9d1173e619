# expect: fail
# class: mistake
# symptom: never loaded
# why: reads one page (fetch_page once, limit=1000) and saves its last id, with no loop until an empty page; it works while a source fits in one page (the notebook's 600 and 300 records) but drops everything after the first page of a larger source or smaller server page size, so a correct grader (whose hidden sources span several pages) must fail it.
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
        records = fetch_page(after_id=cursor, limit=1000)
        for record in records:
            transform_and_upsert(record)
        if records:
            task_state_store.set("cursor", records[-1]["id"])

    spark = BatchJobOperator(task_id="run_spark_job", job_name="spark_daily", retries=3, retry_delay=timedelta(seconds=0))

    ingest_records() >> spark
