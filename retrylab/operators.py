"""The course's operator for the batch-job service, built on ``ResumableJobMixin``.

Why it ships with the lab: after module 03's exercise (where learners write
their own), the lessons use this one to explore the mixin's decision table
(durable=False, a renamed key, the reconnect return value), and module 04's
producer submits its batch job with it.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseOperator, ResumableJobMixin

from retrylab.world import BatchClient
from retrylab.world.batch import ACTIVE, SUCCEEDED


class BatchJobFailed(RuntimeError):
    """The batch job ended FAILED or CANCELLED: fail the try, so a retry resubmits."""


class BatchJobOperator(ResumableJobMixin, BaseOperator):
    """Run one batch job; a retry reconnects to it instead of paying for a second one."""

    def __init__(self, *, job_name: str = "daily_revenue", poll_interval: float = 0.1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job_name = job_name
        self.poll_interval = poll_interval

    @property
    def client(self) -> BatchClient:
        return BatchClient(poll_interval=self.poll_interval)

    def execute(self, context):
        return self.execute_resumable(context)

    def submit_job(self, context) -> str:
        return self.client.submit(self.job_name)

    def get_job_status(self, external_id, context) -> str:
        return self.client.get_status(external_id)

    def is_job_active(self, status: str) -> bool:
        return status in ACTIVE

    def is_job_succeeded(self, status: str) -> bool:
        return status == SUCCEEDED

    def poll_until_complete(self, external_id, context):
        status = self.client.wait(external_id)
        if status != SUCCEEDED:
            raise BatchJobFailed(f"batch job {external_id} ended {status}")
        # On 3.3.2 the reconnect path returns what this method returns, so return the
        # result here too: a clean run and a reconnected run then push the same XCom.
        return self.get_job_result(external_id, context)

    def get_job_result(self, external_id, context) -> dict:
        return self.client.get_result(external_id)
