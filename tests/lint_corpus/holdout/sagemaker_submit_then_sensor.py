# lint-expect: none
# why: start_batch_transform only submits (create_transform_job) and returns; the wait is a separate SageMakerTransformSensor task, so no try both submits and waits. The job name is derived from the run id and the submit first checks describe_transform_job, so a retry of the submit task re-attaches instead of submitting twice.
"""Nightly batch scoring of claims for fraud with a SageMaker batch transform job."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

import boto3
import pendulum
from botocore.exceptions import ClientError

from airflow.sdk import dag, task
from airflow.providers.amazon.aws.sensors.sagemaker import SageMakerTransformSensor

log = logging.getLogger(__name__)

MODEL_NAME = "claims-fraud-xgb-2025-04"


def _job_name(run_id: str) -> str:
    return f"fraud-score-{hashlib.sha1(run_id.encode()).hexdigest()[:16]}"


@dag(
    schedule="0 1 * * *",
    start_date=pendulum.datetime(2025, 4, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["ml", "sagemaker", "fraud"],
)
def sagemaker_fraud_batch_scoring():
    @task
    def start_batch_transform(run_id=None, ds=None) -> str:
        sm = boto3.client("sagemaker", region_name="us-east-1")
        name = _job_name(run_id)
        try:
            status = sm.describe_transform_job(TransformJobName=name)["TransformJobStatus"]
            log.info("transform job %s already exists (%s), not submitting again", name, status)
            return name
        except ClientError as err:
            if err.response["Error"]["Code"] != "ValidationException":
                raise
        sm.create_transform_job(
            TransformJobName=name,
            ModelName=MODEL_NAME,
            TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                            "S3Uri": f"s3://claims-ml/score-input/dt={ds}/"}},
                            "ContentType": "text/csv", "SplitType": "Line"},
            TransformOutput={"S3OutputPath": f"s3://claims-ml/score-output/dt={ds}/", "AssembleWith": "Line"},
            TransformResources={"InstanceType": "ml.m5.2xlarge", "InstanceCount": 4},
        )
        log.info("submitted transform job %s", name)
        return name

    job_name = start_batch_transform()

    wait = SageMakerTransformSensor(
        task_id="wait_for_transform",
        job_name=job_name,
        poke_interval=120,
        timeout=6 * 3600,
        mode="reschedule",
    )

    @task
    def publish_scores(ds=None) -> None:
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        PostgresHook(postgres_conn_id="claims_dw").run(
            "CALL fraud.load_scores(%s, %s)", parameters=(ds, f"s3://claims-ml/score-output/dt={ds}/")
        )

    wait >> publish_scores()


sagemaker_fraud_batch_scoring()
