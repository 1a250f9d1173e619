# expect: fail
# class: process-state
# symptom: submitted
# why: scopes state correctly by run_id, but keeps both the cursor and the Spark job id in a module-level dict instead of task_state_store; under dag.test() a retry runs in the same process and finds them, but on a real worker every retry is a new process, so it re-ingests from 0 and submits a second Spark job, and a correct grader must fail it.
# lint: RS401 RS501
"""Exercise: state per task instance, so runs and environments cannot corrupt each other."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import BatchClient, fetch_page, transform_and_upsert

spark_client = BatchClient()
_STATE: dict[tuple[str, str], object] = {}  # (run_id, what) -> value; one entry per run, never shared

with DAG(dag_id="variables_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0))
    def ingest_records(run_id=None):
        cursor = _STATE.get((run_id, "cursor"), 0)
        while page := fetch_page(after_id=cursor, limit=1000):
            for record in page:
                transform_and_upsert(record)
            cursor = page[-1]["id"]
            _STATE[(run_id, "cursor")] = cursor

    @task(retries=3, retry_delay=timedelta(seconds=0))
    def run_spark_job(run_id=None):
        job_id = _STATE.get((run_id, "job"))
        if job_id and spark_client.get_status(job_id) in ("FAILED", "CANCELLED"):
            job_id = None
        if not job_id:
            job_id = spark_client.submit("spark_daily")
            _STATE[(run_id, "job")] = job_id
        if spark_client.wait(job_id) != "SUCCEEDED":
            raise RuntimeError(f"{job_id} failed")
        return spark_client.get_result(job_id)

    ingest_records() >> run_spark_job()
