# lint-expect: RS403
# why: DbtCloudRunOperator.is_job_active returns status == "RUNNING", so a retry that finds the stored run still "QUEUED" or "STARTING" treats it as neither active nor succeeded and triggers a second dbt Cloud run. durable is left at its default.
"""dbt Cloud production build, resumable across worker crashes."""
from __future__ import annotations

import time
from datetime import timedelta

import pendulum
import requests
from airflow.sdk import BaseOperator, ResumableJobMixin, Variable, dag

DBT_CLOUD = "https://cloud.getdbt.com/api/v2"


class DbtCloudRunOperator(ResumableJobMixin, BaseOperator):
    def __init__(self, *, account_id: int, job_id: int, cause: str = "Airflow", **kwargs):
        super().__init__(**kwargs)
        self.account_id = account_id
        self.job_id = job_id
        self.cause = cause

    def _headers(self):
        return {"Authorization": f"Token {Variable.get('dbt_cloud_token')}"}

    def execute(self, context):
        return self.execute_resumable(context)

    def submit_job(self, context):
        r = requests.post(
            f"{DBT_CLOUD}/accounts/{self.account_id}/jobs/{self.job_id}/run/",
            json={"cause": f"{self.cause} {context['run_id']}"},
            headers=self._headers(),
            timeout=30,
        )
        r.raise_for_status()
        return r.json()["data"]["id"]

    def get_job_status(self, job_id, context):
        r = requests.get(f"{DBT_CLOUD}/accounts/{self.account_id}/runs/{job_id}/", headers=self._headers(), timeout=30)
        r.raise_for_status()
        # Queued / Starting / Running / Success / Error / Cancelled
        return r.json()["data"]["status_humanized"].upper()

    def is_job_active(self, status):
        return status == "RUNNING"

    def is_job_succeeded(self, status):
        return status == "SUCCESS"

    def poll_until_complete(self, job_id, context):
        while True:
            status = self.get_job_status(job_id, context)
            if status in ("SUCCESS", "ERROR", "CANCELLED"):
                if status != "SUCCESS":
                    raise RuntimeError(f"dbt Cloud run {job_id} {status}")
                # 3.3 returns this on the reconnect path, so hand back the same result as a clean run
                return self.get_job_result(job_id, context)
            time.sleep(20)

    def get_job_result(self, job_id, context):
        return {"run_id": job_id, "url": f"https://cloud.getdbt.com/#/runs/{job_id}"}


@dag(
    schedule="0 6 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=3)},
    tags=["dbt"],
)
def dbt_cloud_prod_build():
    DbtCloudRunOperator(task_id="dbt_build", account_id=4312, job_id=99120)


dbt_cloud_prod_build()
