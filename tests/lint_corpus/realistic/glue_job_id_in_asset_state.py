# lint-expect: RS404
# why: score_customers keeps the Glue JobRunId in asset_state_store[SCORES] ("glue_run_id") and reuses it when present; asset state outlives the DAG run, so tomorrow's run finds yesterday's SUCCEEDED run, skips submitting, and never scores today's data. The id is stored durably, so this is not RS401.
"""Nightly propensity scoring in Glue, publishing the scores asset."""
from __future__ import annotations

import time
from datetime import timedelta

import boto3
import pendulum
from airflow.sdk import Asset, dag, task

SCORES = Asset("s3://acme-ml/propensity_scores/")
GLUE_JOB = "propensity-scoring"


@dag(schedule="0 2 * * *", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False,
     default_args={"retries": 3, "retry_delay": timedelta(minutes=5)}, tags=["ml", "glue"])
def propensity_scoring():
    @task(outlets=[SCORES])
    def score_customers(ds=None, asset_state_store=None):
        glue = boto3.client("glue", region_name="eu-west-1")
        state = asset_state_store[SCORES]

        run_id = state.get("glue_run_id")
        if not run_id:
            run_id = glue.start_job_run(JobName=GLUE_JOB, Arguments={"--score_date": ds})["JobRunId"]
            state.set("glue_run_id", run_id)

        while True:
            status = glue.get_job_run(JobName=GLUE_JOB, RunId=run_id)["JobRun"]["JobRunState"]
            if status == "SUCCEEDED":
                return run_id
            if status in ("FAILED", "STOPPED", "TIMEOUT", "ERROR", "EXPIRED"):
                state.delete("glue_run_id")
                raise RuntimeError(f"glue run {run_id} ended {status}")
            time.sleep(60)

    score_customers()


propensity_scoring()
