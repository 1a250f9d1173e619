# expect: fail
# class: process-state
# symptom: no job id
# why: turns the mixin's durability off (durable=False) and instead makes submit_job idempotent per run with a functools.lru_cache keyed by run_id, so a retry in the same process gets the cached job id back; each retry on a real worker is a new process with an empty cache and submits again, so a correct grader must fail it.
# lint: RS402
"""Exercise: one batch job per task instance, however often the worker dies."""
from __future__ import annotations

import functools
from datetime import datetime, timedelta

from airflow.sdk import DAG, BaseOperator, ResumableJobMixin

from retrylab.world import BatchClient


@functools.lru_cache(maxsize=None)
def submit_once(run_id: str, job_name: str) -> str:
    return BatchClient().submit(job_name)


class RevenueJobOperator(ResumableJobMixin, BaseOperator):
    def __init__(self, *, job_name: str, **kwargs):
        kwargs.setdefault("durable", False)  # no state store round trips: the cache makes submit idempotent
        super().__init__(**kwargs)
        self.job_name = job_name
        self.client = BatchClient()

    def execute(self, context):
        return self.execute_resumable(context)

    def submit_job(self, context):
        return submit_once(context["run_id"], self.job_name)

    def get_job_status(self, external_id, context):
        return self.client.get_status(external_id)

    def is_job_active(self, status):
        return status in ("PENDING", "RUNNING")

    def is_job_succeeded(self, status):
        return status == "SUCCEEDED"

    def poll_until_complete(self, external_id, context):
        status = self.client.wait(external_id)
        if status != "SUCCEEDED":
            submit_once.cache_clear()  # a failed job must be resubmitted
            raise RuntimeError(f"batch job {external_id} ended {status}")
        return self.get_job_result(external_id, context)

    def get_job_result(self, external_id, context):
        return self.client.get_result(external_id)


with DAG(dag_id="resumable_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):
    RevenueJobOperator(task_id="run_batch_job", job_name="daily_revenue", retries=3, retry_delay=timedelta(seconds=0))
