# expect: fail
# class: mistake
# symptom: job
# why: a correct ingest, but run_spark_job submits and waits with the job id only in a local variable; it never waits on another environment's job, yet every retry after a crash while the job runs submits (and pays for) a new job and prod's failed run leaves several jobs running, which is not "one Spark job, crash-safely"; a correct grader must fail it.
# lint: RS401
"""Exercise: state per task instance, so runs and environments cannot corrupt each other."""
from __future__ import annotations

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
    def run_spark_job():
        job_id = spark_client.submit("spark_daily")
        if spark_client.wait(job_id) != "SUCCEEDED":
            raise RuntimeError(f"{job_id} failed")
        return spark_client.get_result(job_id)

    ingest_records() >> run_spark_job()
