# lint-expect: RS201
# why: create_cluster stores the JobFlowId returned by run_job_flow with Variable.set("emr_nightly_cluster_id", ...) and terminate_cluster reads it back with Variable.get: a job id in a global Variable that two overlapping runs overwrite. The steps go through EmrAddStepsOperator + EmrStepSensor (id passed by XCom) and the create task does not wait, so no RS401.
"""Transient EMR cluster for the nightly batch: create, add steps, wait, terminate."""
from __future__ import annotations

from datetime import datetime, timedelta

import boto3
from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator
from airflow.providers.amazon.aws.sensors.emr import EmrJobFlowSensor, EmrStepSensor
from airflow.sdk import DAG, Variable, task

CLUSTER_KEY = "emr_nightly_cluster_id"

SPARK_STEPS = [
    {
        "Name": "daily_rollups",
        "ActionOnFailure": "CANCEL_AND_WAIT",
        "HadoopJarStep": {"Jar": "command-runner.jar",
                          "Args": ["spark-submit", "s3://acme-jobs/rollups.py", "--date", "{{ ds }}"]},
    }
]

with DAG(
    dag_id="emr_nightly_batch",
    schedule="0 1 * * *",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=5)},
) as dag:

    @task
    def create_cluster():
        cfg = Variable.get("emr_job_flow_overrides", deserialize_json=True)
        emr = boto3.client("emr", region_name="us-east-1")
        cluster_id = emr.run_job_flow(**cfg)["JobFlowId"]
        Variable.set(CLUSTER_KEY, cluster_id)

    wait_ready = EmrJobFlowSensor(
        task_id="wait_cluster_ready",
        job_flow_id="{{ var.value.emr_nightly_cluster_id }}",
        target_states=["WAITING"],
        mode="reschedule",
    )

    add_steps = EmrAddStepsOperator(
        task_id="add_steps",
        job_flow_id="{{ var.value.emr_nightly_cluster_id }}",
        steps=SPARK_STEPS,
    )

    wait_steps = EmrStepSensor(
        task_id="wait_steps",
        job_flow_id="{{ var.value.emr_nightly_cluster_id }}",
        step_id="{{ ti.xcom_pull(task_ids='add_steps')[0] }}",
        mode="reschedule",
    )

    @task(trigger_rule="all_done")
    def terminate_cluster():
        cluster_id = Variable.get(CLUSTER_KEY)
        boto3.client("emr", region_name="us-east-1").terminate_job_flows(JobFlowIds=[cluster_id])

    create_cluster() >> wait_ready >> add_steps >> wait_steps >> terminate_cluster()
