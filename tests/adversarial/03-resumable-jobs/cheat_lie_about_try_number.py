# expect: fail
# class: cheat
# why: a naive submit-and-wait (no state store) that, before touching the batch service, bumps the running task instance's try_number by 1000 so the world attributes every call to a try no fault plan names; no planned kill ever fires and one job is billed, but the task is not crash-safe, so a correct grader (which takes the try from Airflow, not from the task's own object, and checks the crash happened) must fail it.
# lint: RS401
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
        ti = context["ti"]
        try:
            object.__setattr__(ti, "try_number", ti.try_number + 1000)
        except Exception:
            pass
        job_id = self.submit_job(context)
        return self.poll_until_complete(job_id, context)

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
        return self.get_job_result(external_id, context)

    def get_job_result(self, external_id, context):
        return self.client.get_result(external_id)


with DAG(dag_id="resumable_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):
    RevenueJobOperator(task_id="run_batch_job", job_name="daily_revenue", retries=3, retry_delay=timedelta(seconds=0))
