# expect: fail
# class: bad-input
# symptom: abstract
# why: forgets is_job_succeeded (one of the six abstract methods), so instantiating RevenueJobOperator in the DAG raises "Can't instantiate abstract class" and the DAG file does not load; a correct grader must fail it with that import error, not crash.
# lint: none
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

    def poll_until_complete(self, external_id, context):
        status = self.client.wait(external_id)
        if status != "SUCCEEDED":
            raise RuntimeError(f"batch job {external_id} ended {status}")
        return self.get_job_result(external_id, context)

    def get_job_result(self, external_id, context):
        return self.client.get_result(external_id)


with DAG(dag_id="resumable_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):
    RevenueJobOperator(task_id="run_batch_job", job_name="daily_revenue", retries=3, retry_delay=timedelta(seconds=0))
