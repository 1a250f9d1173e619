# expect: fail
# class: mistake
# symptom: return
# why: poll_until_complete follows the docstring (waits, raises on failure, returns None); on 3.3.2 the reconnect path returns poll_until_complete's value, so after a kill while the job runs the task returns None instead of the result dict, and a correct grader must fail the same-return-value check.
# lint: RS405
"""Exercise: one batch job per task instance, however often the worker dies."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, BaseOperator, ResumableJobMixin

from retrylab.world import BatchClient


class RevenueJobOperator(ResumableJobMixin, BaseOperator):
    def __init__(self, *, job_name: str, **kwargs):
        super().__init__(**kwargs)
        self.job_name = job_name
        self.client = BatchClient()

    def execute(self, context):
        return self.execute_resumable(context)

    def submit_job(self, context):
        return self.client.submit(self.job_name)

    def get_job_status(self, external_id, context):
        return self.client.get_status(external_id)

    def is_job_active(self, status):
        return status in ("PENDING", "RUNNING")

    def is_job_succeeded(self, status):
        return status == "SUCCEEDED"

    def poll_until_complete(self, external_id, context):
        status = self.client.wait(external_id)
        if status != "SUCCEEDED":
            raise RuntimeError(f"batch job {external_id} ended {status}")
        return None

    def get_job_result(self, external_id, context):
        return self.client.get_result(external_id)


with DAG(dag_id="resumable_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):
    RevenueJobOperator(task_id="run_batch_job", job_name="daily_revenue", retries=3, retry_delay=timedelta(seconds=0))
