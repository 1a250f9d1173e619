# lint-expect: none
# why: submit_step only calls add_job_flow_steps and returns the step id (no waiting in that task); the separate EmrStepSensor task gets the id through XCom from that upstream task and waits in reschedule mode, so a sensor retry re-checks the same step instead of submitting another.
"""Submit a Spark step with TaskFlow, wait for it with a sensor."""
from __future__ import annotations

from datetime import timedelta

import boto3
import pendulum
from airflow.providers.amazon.aws.sensors.emr import EmrStepSensor
from airflow.sdk import Variable, dag, task


@dag(schedule="0 2 * * *", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False,
     default_args={"retry_delay": timedelta(minutes=5)})
def emr_dedupe_events():
    @task(retries=0)
    def submit_step(ds=None) -> str:
        cfg = Variable.get("emr_config", deserialize_json=True)
        emr = boto3.client("emr", region_name=cfg["region"])
        resp = emr.add_job_flow_steps(
            JobFlowId=cfg["cluster_id"],
            Steps=[{
                "Name": f"dedupe-events-{ds}",
                "ActionOnFailure": "CONTINUE",
                "HadoopJarStep": {"Jar": "command-runner.jar",
                                  "Args": ["spark-submit", "s3://acme-jobs/dedupe_events.py", "--date", ds]},
            }],
        )
        return resp["StepIds"][0]

    step_id = submit_step()

    EmrStepSensor(
        task_id="wait_for_step",
        job_flow_id="{{ var.json.emr_config.cluster_id }}",
        step_id=step_id,
        mode="reschedule",
        poke_interval=120,
        retries=3,
    )


emr_dedupe_events()
