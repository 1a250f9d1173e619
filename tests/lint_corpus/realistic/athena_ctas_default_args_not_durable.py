# lint-expect: RS402
# why: AthenaQueryOperator is a correct ResumableJobMixin operator, but the DAG's default_args carry "durable": False, which reaches the mixin's __init__ for every task, so no QueryExecutionId is stored and a retry re-runs the CTAS. The subtle form: durable=False never appears on the operator call itself.
"""Daily Athena CTAS rollups, one task per rollup table."""
from __future__ import annotations

import time
from datetime import timedelta

import boto3
import pendulum
from airflow.sdk import BaseOperator, ResumableJobMixin, dag

ATHENA_DONE = ("SUCCEEDED", "FAILED", "CANCELLED")

ROLLUPS = {
    "daily_active_users": "SELECT dt, count(DISTINCT user_id) AS dau FROM events WHERE dt = '{ds}' GROUP BY dt",
    "daily_revenue": "SELECT dt, sum(amount) AS revenue FROM orders WHERE dt = '{ds}' GROUP BY dt",
}


class AthenaQueryOperator(ResumableJobMixin, BaseOperator):
    template_fields = ("sql",)

    def __init__(self, *, sql: str, workgroup: str = "analytics", **kwargs):
        super().__init__(**kwargs)
        self.sql = sql
        self.workgroup = workgroup

    def execute(self, context):
        return self.execute_resumable(context)

    def submit_job(self, context):
        athena = boto3.client("athena")
        return athena.start_query_execution(QueryString=self.sql, WorkGroup=self.workgroup)["QueryExecutionId"]

    def get_job_status(self, job_id, context):
        q = boto3.client("athena").get_query_execution(QueryExecutionId=job_id)
        return q["QueryExecution"]["Status"]["State"]

    def is_job_active(self, status):
        return status not in ATHENA_DONE

    def is_job_succeeded(self, status):
        return status == "SUCCEEDED"

    def poll_until_complete(self, job_id, context):
        while self.is_job_active(status := self.get_job_status(job_id, context)):
            time.sleep(5)
        if not self.is_job_succeeded(status):
            raise RuntimeError(f"athena query {job_id} {status}")
        return self.get_job_result(job_id, context)

    def get_job_result(self, job_id, context):
        return job_id


@dag(
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2), "durable": False},
)
def athena_rollups():
    for table, select in ROLLUPS.items():
        AthenaQueryOperator(
            task_id=f"ctas_{table}",
            sql=f"CREATE TABLE rollups.{table}_{{{{ ds_nodash }}}} AS " + select.replace("{ds}", "{{ ds }}"),
        )


athena_rollups()
