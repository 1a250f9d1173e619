# lint-expect: RS401
# why: train_churn_model calls create_training_job and then blocks on the boto3 waiter in the same try, keeping the job name (built from the wall clock) nowhere; a worker crash during the multi-hour wait makes the retry start a second paid training job. The timestamp is only a job name, not a watermark, and the @task.branch reading upstream XCom is fine.
"""Weekly churn-model retraining on SageMaker, gated on a feature-drift check."""

from __future__ import annotations

import logging
from datetime import timedelta

import boto3
import pendulum

from airflow.sdk import dag, task
from airflow.providers.standard.operators.empty import EmptyOperator

log = logging.getLogger(__name__)

REGION = "eu-west-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/sagemaker-churn-training"
IMAGE = "685385470294.dkr.ecr.eu-west-1.amazonaws.com/xgboost:1.7-1"
DRIFT_THRESHOLD = 0.12


def _training_config(job_name: str, data_uri: str) -> dict:
    return {
        "TrainingJobName": job_name,
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        "RoleArn": ROLE_ARN,
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": data_uri,
                                                "S3DataDistributionType": "FullyReplicated"}},
                "ContentType": "text/csv",
            }
        ],
        "OutputDataConfig": {"S3OutputPath": "s3://ml-artifacts-prod/churn/models/"},
        "ResourceConfig": {"InstanceType": "ml.m5.4xlarge", "InstanceCount": 2, "VolumeSizeInGB": 100},
        "StoppingCondition": {"MaxRuntimeInSeconds": 6 * 3600},
        "HyperParameters": {"objective": "binary:logistic", "num_round": "400", "max_depth": "7", "eta": "0.05"},
        "Tags": [{"Key": "team", "Value": "growth-ml"}],
    }


@dag(
    schedule="0 4 * * MON",
    start_date=pendulum.datetime(2025, 1, 6, tz="UTC"),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=15)},
    tags=["ml", "sagemaker", "churn"],
)
def sagemaker_churn_retrain():
    @task
    def measure_drift(ds=None) -> float:
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        rows = PostgresHook("feature_store").get_records(
            "SELECT max(psi) FROM ml.feature_drift WHERE model = 'churn' AND computed_on = %s", parameters=(ds,)
        )
        return float(rows[0][0] or 0.0)

    @task.branch
    def should_retrain(ti=None) -> str:
        psi = ti.xcom_pull(task_ids="measure_drift")
        log.info("churn feature PSI = %.3f", psi)
        return "train_churn_model" if psi >= DRIFT_THRESHOLD else "skip_training"

    @task
    def train_churn_model(ds_nodash=None) -> str:
        sm = boto3.client("sagemaker", region_name=REGION)
        job_name = f"churn-xgb-{pendulum.now('UTC').strftime('%Y%m%d%H%M%S')}"
        data_uri = f"s3://ml-features-prod/churn/snapshots/{ds_nodash}/"

        sm.create_training_job(**_training_config(job_name, data_uri))
        log.info("started SageMaker training job %s", job_name)

        waiter = sm.get_waiter("training_job_completed_or_stopped")
        waiter.wait(TrainingJobName=job_name, WaiterConfig={"Delay": 60, "MaxAttempts": 400})

        desc = sm.describe_training_job(TrainingJobName=job_name)
        if desc["TrainingJobStatus"] != "Completed":
            raise RuntimeError(f"{job_name} ended {desc['TrainingJobStatus']}: {desc.get('FailureReason')}")
        return desc["ModelArtifacts"]["S3ModelArtifacts"]

    skip = EmptyOperator(task_id="skip_training")
    measure_drift() >> should_retrain() >> [train_churn_model(), skip]


sagemaker_churn_retrain()
