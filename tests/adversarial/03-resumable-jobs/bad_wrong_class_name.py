# expect: fail
# class: bad-input
# symptom: revenuejoboperator
# why: a working operator named RevenueOperator instead of the RevenueJobOperator the exercise asks for (the notebook says keep the class name); a correct grader must fail it with a message naming the expected class, not grade a different class silently.
# lint: none
"""Exercise: one batch job per task instance, however often the worker dies."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

from airflow.sdk import DAG, BaseOperator, ResumableJobMixin

from retrylab.world import BatchClient


class RevenueOperator(ResumableJobMixin, BaseOperator):
    def __init__(self, *, job_name: str, **kwargs):
        super().__init__(**kwargs)
        self.job_name = job_name
        self.client = BatchClient()

    external_id_key = "revenue_job_id"
    TERMINAL_FAILURES = frozenset({"FAILED", "CANCELLED"})
    LIVE = frozenset({"PENDING", "RUNNING"})

    def execute(self, context):
        return self.execute_resumable(context)

    def submit_job(self, context):
        job_id = self.client.submit(self.job_name)
        self.log.info("submitted %s", job_id)
        return job_id

    def get_job_status(self, external_id, context):
        return self.client.get_status(external_id)

    def is_job_active(self, status):
        return status in self.LIVE

    def is_job_succeeded(self, status):
        return status == "SUCCEEDED"

    def poll_until_complete(self, external_id, context):
        deadline = time.monotonic() + 120
        status = self.get_job_status(external_id, context)
        while self.is_job_active(status):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{external_id} still {status}")
            time.sleep(0.05)
            status = self.get_job_status(external_id, context)
        if status in self.TERMINAL_FAILURES or not self.is_job_succeeded(status):
            raise RuntimeError(f"batch job {external_id} ended {status}")
        return self.get_job_result(external_id, context)

    def get_job_result(self, external_id, context):
        return self.client.get_result(external_id)


with DAG(dag_id="resumable_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):
    RevenueOperator(task_id="run_batch_job", job_name="daily_revenue", retries=3, retry_delay=timedelta(seconds=0))
