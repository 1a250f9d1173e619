# lint-expect: RS405
# why: AwsBatchJobOperator is otherwise a correct ResumableJobMixin operator (durable default, is_job_active = status not in terminal), but poll_until_complete only waits and returns nothing; on 3.3 a retry that reconnects to a running job returns that None instead of get_job_result's dict, so downstream tasks see a different XCom after a crash.
"""Genomics alignment on AWS Batch, one resumable task per sample."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import boto3
from airflow.sdk import DAG, BaseOperator, ResumableJobMixin, task

BATCH_TERMINAL = ("SUCCEEDED", "FAILED")


class AwsBatchJobOperator(ResumableJobMixin, BaseOperator):
    template_fields = ("parameters",)

    def __init__(self, *, job_queue: str, job_definition: str, parameters: dict | None = None, **kwargs):
        super().__init__(**kwargs)
        self.job_queue = job_queue
        self.job_definition = job_definition
        self.parameters = parameters or {}

    def execute(self, context):
        return self.execute_resumable(context)

    def submit_job(self, context):
        resp = boto3.client("batch").submit_job(
            jobName=f"{self.task_id}-{context['ds_nodash']}",
            jobQueue=self.job_queue,
            jobDefinition=self.job_definition,
            parameters=self.parameters,
        )
        return resp["jobId"]

    def get_job_status(self, job_id, context):
        return boto3.client("batch").describe_jobs(jobs=[job_id])["jobs"][0]["status"]

    def is_job_active(self, status):
        # SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING
        return status not in BATCH_TERMINAL

    def is_job_succeeded(self, status):
        return status == "SUCCEEDED"

    def poll_until_complete(self, job_id, context):
        while (status := self.get_job_status(job_id, context)) not in BATCH_TERMINAL:
            self.log.info("batch job %s: %s", job_id, status)
            time.sleep(60)
        if status != "SUCCEEDED":
            raise RuntimeError(f"batch job {job_id} {status}")

    def get_job_result(self, job_id, context):
        job = boto3.client("batch").describe_jobs(jobs=[job_id])["jobs"][0]
        return {"job_id": job_id, "log_stream": job["container"].get("logStreamName")}


with DAG(
    dag_id="genomics_alignment",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    params={"sample_id": "NA12878"},
) as dag:
    align = AwsBatchJobOperator(
        task_id="align_sample",
        job_queue="genomics-spot",
        job_definition="bwa-mem2:7",
        parameters={"sample": "{{ params.sample_id }}"},
    )

    @task
    def register_output(result: dict):
        print("alignment log stream:", result["log_stream"])

    register_output(align.output)
