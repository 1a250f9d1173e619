# expect: pass
# class: slow-but-correct
# why: polls the job every 10 ms and writes the last seen status to task_state_store on every poll (hundreds of status calls and set() calls per run), then returns the result; wasteful but finite and correct, so a correct grader must pass it and not time it out.
# lint: none
"""Exercise: one batch job per task instance, however often the worker dies."""
from __future__ import annotations

import time
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
        status = self.client.get_status(external_id)
        context["task_state_store"].set("last_status", status)
        return status

    def is_job_active(self, status):
        return status in ("PENDING", "RUNNING")

    def is_job_succeeded(self, status):
        return status == "SUCCEEDED"

    def poll_until_complete(self, external_id, context):
        while self.is_job_active(status := self.get_job_status(external_id, context)):
            time.sleep(0.01)
        if not self.is_job_succeeded(status):
            raise RuntimeError(f"batch job {external_id} ended {status}")
        return self.get_job_result(external_id, context)

    def get_job_result(self, external_id, context):
        return self.client.get_result(external_id)


with DAG(dag_id="resumable_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):
    RevenueJobOperator(task_id="run_batch_job", job_name="daily_revenue", retries=3, retry_delay=timedelta(seconds=0))
