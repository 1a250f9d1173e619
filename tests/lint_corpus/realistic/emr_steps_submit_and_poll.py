# lint-expect: RS401
# why: run_sessionization calls emr.add_job_flow_steps and then polls describe_step in the same try, keeping the step id only in the local step_id; a worker crash mid-poll makes the retry submit (and pay for) a second Spark step.
"""Nightly sessionization Spark job on the shared EMR cluster."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import boto3
from airflow.sdk import DAG, Variable, task

with DAG(
    dag_id="emr_sessionization_nightly",
    schedule="30 2 * * *",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["spark", "emr"],
) as dag:

    @task(execution_timeout=timedelta(hours=3))
    def run_sessionization(ds=None):
        cfg = Variable.get("emr_config", deserialize_json=True)
        emr = boto3.client("emr", region_name=cfg["region"])
        step = {
            "Name": f"sessionize-{ds}",
            "ActionOnFailure": "CONTINUE",
            "HadoopJarStep": {
                "Jar": "command-runner.jar",
                "Args": [
                    "spark-submit",
                    "--deploy-mode", "cluster",
                    f"s3://{cfg['code_bucket']}/jobs/sessionize.py",
                    "--date", ds,
                ],
            },
        }
        resp = emr.add_job_flow_steps(JobFlowId=cfg["cluster_id"], Steps=[step])
        step_id = resp["StepIds"][0]
        while True:
            state = emr.describe_step(ClusterId=cfg["cluster_id"], StepId=step_id)["Step"]["Status"]["State"]
            if state == "COMPLETED":
                return step_id
            if state in ("CANCELLED", "FAILED", "INTERRUPTED"):
                raise RuntimeError(f"step {step_id} ended {state}")
            time.sleep(60)

    run_sessionization()
