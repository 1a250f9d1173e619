# expect: fail
# class: catches-crash
# symptom: never ended the try
# why: keeps the job id in task_state_store correctly, but wraps the wait in try/except Exception and polls again, so an injected crash while the Spark job runs is swallowed on every poll; prod's "crash on every try" run ends green instead of failed, and a correct grader must fail it because the crash never ended the try.
# lint: none
"""Exercise: state per task instance, so runs and environments cannot corrupt each other."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import BatchClient, fetch_page, transform_and_upsert

spark_client = BatchClient()

with DAG(dag_id="variables_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0))
    def ingest_records(task_state_store=None):
        cursor = task_state_store.get("cursor", 0)
        while page := fetch_page(after_id=cursor, limit=1000):
            for record in page:
                transform_and_upsert(record)
            cursor = page[-1]["id"]
            task_state_store.set("cursor", cursor)

    @task(retries=3, retry_delay=timedelta(seconds=0))
    def run_spark_job(task_state_store=None):
        job_id = task_state_store.get("spark_job_id")
        if not job_id or spark_client.get_status(job_id) in ("FAILED", "CANCELLED"):
            job_id = spark_client.submit("spark_daily")
            task_state_store.set("spark_job_id", job_id)
        while True:
            try:
                status = spark_client.wait(job_id)
                break
            except Exception as error:  # the cluster API is flaky: keep polling our own job
                print(f"poll failed ({error}); polling again")
                time.sleep(0.1)
        if status != "SUCCEEDED":
            raise RuntimeError(f"{job_id} ended {status}")
        return spark_client.get_result(job_id)

    ingest_records() >> run_spark_job()
