# expect: pass
# class: right-variant
# why: defines is_job_active as "not a terminal status" (FAILED, CANCELLED, SUCCEEDED), which covers PENDING and RUNNING without listing them, caches the result dict in task_state_store under its own key so get_job_result and poll_until_complete agree, and passes durable=True explicitly through default_args; behaviourally the reference, so a correct grader must pass it.
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
        self.log.info("running %s resumably", self.job_name)
        return self.execute_resumable(context)

    def submit_job(self, context):
        return self.client.submit(self.job_name)

    def get_job_status(self, external_id, context):
        return str(self.client.get_status(external_id))

    def is_job_active(self, status):
        return status not in ("SUCCEEDED", "FAILED", "CANCELLED")

    def is_job_succeeded(self, status):
        return status == "SUCCEEDED"

    def poll_until_complete(self, external_id, context):
        final = self.client.wait(external_id)
        if not self.is_job_succeeded(final):
            raise RuntimeError(f"{external_id}: {final}")
        return self.get_job_result(external_id, context)

    def get_job_result(self, external_id, context):
        store = context["task_state_store"]
        cached = store.get("result")
        if cached and cached.get("job") == external_id:
            return cached["value"]
        value = self.client.get_result(external_id)
        store.set("result", {"job": external_id, "value": value})
        return value


with DAG(
    dag_id="resumable_fix",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"durable": True},
):
    RevenueJobOperator(task_id="run_batch_job", job_name="daily_revenue", retries=3, retry_delay=timedelta(seconds=0))
