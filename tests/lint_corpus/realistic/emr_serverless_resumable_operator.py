# lint-expect: none
# why: EmrServerlessSparkOperator uses ResumableJobMixin correctly: execute returns execute_resumable, durable is left at its default, and is_job_active returns status not in TERMINAL_STATES, so SUBMITTED/PENDING/SCHEDULED count as active and a retry reattaches instead of resubmitting; poll_until_complete returns get_job_result, so the reconnect path returns the same result (no RS405).
"""Feature engineering on EMR Serverless with a crash-safe in-house operator."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import boto3
from airflow.sdk import DAG, BaseOperator, ResumableJobMixin

TERMINAL_STATES = frozenset({"SUCCESS", "FAILED", "CANCELLED"})


class EmrServerlessSparkOperator(ResumableJobMixin, BaseOperator):
    template_fields = ("entry_point_args",)

    def __init__(self, *, application_id: str, role_arn: str, entry_point: str,
                 entry_point_args: list[str] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.application_id = application_id
        self.role_arn = role_arn
        self.entry_point = entry_point
        self.entry_point_args = entry_point_args or []

    @property
    def client(self):
        return boto3.client("emr-serverless")

    def execute(self, context):
        return self.execute_resumable(context)

    def submit_job(self, context):
        resp = self.client.start_job_run(
            applicationId=self.application_id,
            executionRoleArn=self.role_arn,
            clientToken=f"{context['run_id']}-{self.task_id}"[:64],
            jobDriver={"sparkSubmit": {"entryPoint": self.entry_point, "entryPointArguments": self.entry_point_args}},
        )
        return resp["jobRunId"]

    def get_job_status(self, job_id, context):
        run = self.client.get_job_run(applicationId=self.application_id, jobRunId=job_id)
        return run["jobRun"]["state"]

    def is_job_active(self, status):
        return status not in TERMINAL_STATES

    def is_job_succeeded(self, status):
        return status == "SUCCESS"

    def poll_until_complete(self, job_id, context):
        while True:
            status = self.get_job_status(job_id, context)
            if status in TERMINAL_STATES:
                if status != "SUCCESS":
                    raise RuntimeError(f"EMR Serverless run {job_id} ended {status}")
                # 3.3 returns this on the reconnect path, so hand back the same result as a clean run
                return self.get_job_result(job_id, context)
            self.log.info("job run %s is %s", job_id, status)
            time.sleep(30)

    def get_job_result(self, job_id, context):
        return {"job_run_id": job_id}


with DAG(
    dag_id="features_emr_serverless",
    schedule="0 3 * * *",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=5)},
) as dag:
    EmrServerlessSparkOperator(
        task_id="build_user_features",
        application_id="00fabc123def4567",
        role_arn="arn:aws:iam::123456789012:role/emr-serverless-jobs",
        entry_point="s3://acme-jobs/features/user_features.py",
        entry_point_args=["--date", "{{ ds }}"],
    )
