# lint-expect: none
# why: EmrServerlessSparkOperator is ResumableJobMixin done right: durable=True comes from default_args, is_job_active treats every non-terminal state (SUBMITTED/PENDING/SCHEDULED/QUEUED/RUNNING/CANCELLING) as active, and poll_until_complete returns get_job_result(). The `state == "RUNNING"` and `== "SUCCESS"` comparisons are in logging and is_job_succeeded, where they are correct.
"""Daily IoT battery-health feature build on EMR Serverless (Spark)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import timedelta

import boto3
import pendulum

from airflow.sdk import DAG, BaseOperator, Context, ResumableJobMixin

log = logging.getLogger(__name__)

TERMINAL_STATES = frozenset({"SUCCESS", "FAILED", "CANCELLED"})


class EmrServerlessSparkOperator(ResumableJobMixin, BaseOperator):
    template_fields: Sequence[str] = ("entry_point_args", "name")

    def __init__(self, *, application_id: str, execution_role_arn: str, entry_point: str,
                 entry_point_args: list[str], name: str, poll_interval: int = 30, **kwargs):
        super().__init__(**kwargs)
        self.application_id = application_id
        self.execution_role_arn = execution_role_arn
        self.entry_point = entry_point
        self.entry_point_args = entry_point_args
        self.name = name
        self.poll_interval = poll_interval

    @property
    def client(self):
        return boto3.client("emr-serverless", region_name="us-east-1")

    def execute(self, context: Context):
        return self.execute_resumable(context)

    def submit_job(self, context: Context) -> str:
        resp = self.client.start_job_run(
            applicationId=self.application_id,
            executionRoleArn=self.execution_role_arn,
            name=self.name,
            jobDriver={"sparkSubmit": {"entryPoint": self.entry_point, "entryPointArguments": self.entry_point_args,
                                       "sparkSubmitParameters": "--conf spark.executor.cores=4"}},
            configurationOverrides={"monitoringConfiguration": {
                "s3MonitoringConfiguration": {"logUri": "s3://iot-emr-logs/battery-health/"}}},
        )
        return resp["jobRunId"]

    def get_job_status(self, external_id: str, context: Context) -> str:
        run = self.client.get_job_run(applicationId=self.application_id, jobRunId=external_id)["jobRun"]
        return run["state"]

    def is_job_active(self, status: str) -> bool:
        return status not in TERMINAL_STATES

    def is_job_succeeded(self, status: str) -> bool:
        return status == "SUCCESS"

    def poll_until_complete(self, external_id: str, context: Context):
        while True:
            state = self.get_job_status(external_id, context)
            if state == "RUNNING":
                log.info("job run %s is running", external_id)
            if state in TERMINAL_STATES:
                break
            time.sleep(self.poll_interval)
        if state != "SUCCESS":
            raise RuntimeError(f"EMR Serverless job run {external_id} ended {state}")
        return self.get_job_result(external_id, context)

    def get_job_result(self, external_id: str, context: Context) -> dict:
        run = self.client.get_job_run(applicationId=self.application_id, jobRunId=external_id)["jobRun"]
        return {"job_run_id": external_id, "state": run["state"],
                "billed_vcpu_hours": run.get("billedResourceUtilization", {}).get("vCPUHour")}


with DAG(
    dag_id="iot_battery_health_features",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=True,
    max_active_runs=2,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=5), "durable": True},
    tags=["iot", "emr-serverless"],
):
    EmrServerlessSparkOperator(
        task_id="battery_health_features",
        application_id="00fabc1d2e3f4g5h",
        execution_role_arn="arn:aws:iam::210987654321:role/emr-serverless-iot",
        entry_point="s3://iot-spark-jobs/battery_health/main.py",
        entry_point_args=["--date", "{{ ds }}", "--output", "s3://iot-features/battery_health/dt={{ ds }}/"],
        name="battery-health-{{ ds_nodash }}",
    )
