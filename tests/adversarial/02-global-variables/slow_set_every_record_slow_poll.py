# expect: pass
# class: slow-but-correct
# why: the reference design (task_state_store cursor + upsert + the course's BatchJobOperator) but it checkpoints after every record and polls the Spark job only every 0.7 s; slow, finite and correct, so a correct grader must pass it and not time it out.
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
        while True:
            page = fetch_page(after_id=cursor, limit=1000)
            if not page:
                break
            for record in page:
                transform_and_upsert(record)
                cursor = record["id"]
                task_state_store.set("cursor", cursor)

    spark = BatchJobOperator(
        task_id="run_spark_job",
        job_name="spark_daily",
        poll_interval=0.7,
        retries=3,
        retry_delay=timedelta(seconds=0),
    )

    ingest_records() >> spark
