# expect: pass
# class: right-variant
# why: writes its own ResumableJobMixin operator for the Spark job (own external_id_key, polling with get_status in a loop, result returned from poll_until_complete) and an ingest that reaches task_state_store through get_current_context() with a for-loop over iter(); state is per task instance, so every environment loads its own records once and waits only on its own job; a correct grader must pass it.
# lint: none
"""Exercise: state per task instance, so runs and environments cannot corrupt each other."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

from airflow.sdk import DAG, BaseOperator, ResumableJobMixin, get_current_context, task

from retrylab.world import BatchClient, fetch_page, transform_and_upsert


class SparkJobFailed(RuntimeError):
    pass


class SparkJobOperator(ResumableJobMixin, BaseOperator):
    external_id_key = "spark_job_id"

    def __init__(self, *, job_name: str, poll_every: float = 0.1, **kwargs):
        super().__init__(**kwargs)
        self.job_name = job_name
        self.poll_every = poll_every

    def execute(self, context):
        return self.execute_resumable(context)

    def submit_job(self, context):
        return BatchClient().submit(self.job_name)

    def get_job_status(self, external_id, context):
        return BatchClient().get_status(external_id)

    def is_job_active(self, status):
        return status in {"PENDING", "RUNNING"}

    def is_job_succeeded(self, status):
        return status == "SUCCEEDED"

    def poll_until_complete(self, external_id, context):
        status = self.get_job_status(external_id, context)
        while self.is_job_active(status):
            time.sleep(self.poll_every)
            status = self.get_job_status(external_id, context)
        if not self.is_job_succeeded(status):
            raise SparkJobFailed(f"{external_id} ended {status}")
        return self.get_job_result(external_id, context)

    def get_job_result(self, external_id, context):
        return BatchClient().get_result(external_id)


def next_page(cursor: int) -> list[dict]:
    return fetch_page(after_id=cursor, limit=1000)


with DAG(dag_id="variables_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0))
    def ingest_records():
        store = get_current_context()["task_state_store"]
        cursor = store.get("ingest_cursor", 0)
        for page in iter(lambda: next_page(cursor), []):
            for record in page:
                transform_and_upsert(record)
            cursor = page[-1]["id"]
            store.set("ingest_cursor", cursor)

    spark = SparkJobOperator(
        task_id="run_spark_job", job_name="spark_daily", retries=3, retry_delay=timedelta(seconds=0)
    )

    ingest_records() >> spark
