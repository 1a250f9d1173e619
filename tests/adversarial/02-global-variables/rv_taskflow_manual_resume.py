# expect: pass
# class: right-variant
# why: no operator class: run_spark_job is a TaskFlow task that does the mixin's decision by hand with task_state_store (reconnect to an active job, return a succeeded job's result, resubmit a failed one), and ingest keeps a dict checkpoint and clears its own state when done; all state is per task instance, so a correct grader judging behaviour must pass it.
# lint: none
"""Exercise: state per task instance, so runs and environments cannot corrupt each other."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import BatchClient, fetch_page, transform_and_upsert

spark_client = BatchClient()
ACTIVE = ("PENDING", "RUNNING")

with DAG(dag_id="variables_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0))
    def ingest_records(task_state_store=None):
        state = task_state_store.get("progress", {"after_id": 0})
        while page := fetch_page(after_id=state["after_id"], limit=1000):
            for record in page:
                transform_and_upsert(record)
            state = {"after_id": page[-1]["id"]}
            task_state_store.set("progress", state)
        task_state_store.clear()  # finished: nothing to resume

    @task(retries=3, retry_delay=timedelta(seconds=0))
    def run_spark_job(task_state_store=None):
        job_id = task_state_store.get("job_id")
        if job_id:
            status = spark_client.get_status(job_id)
            if status == "SUCCEEDED":
                return spark_client.get_result(job_id)
            if status not in ACTIVE:
                job_id = None  # our previous job failed: run a new one
        if not job_id:
            job_id = spark_client.submit("spark_daily")
            task_state_store.set("job_id", job_id)
        status = spark_client.wait(job_id)
        if status != "SUCCEEDED":
            raise RuntimeError(f"spark job {job_id} ended {status}")
        return spark_client.get_result(job_id)

    ingest_records() >> run_spark_job()
