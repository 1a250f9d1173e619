# lint-expect: RS401
# why: the PythonOperator's python_callable POSTs jobs/run-now and then polls runs/get until a terminal state in the same try, with run_id held only in a local variable (no task_state_store, no ResumableJobMixin, no deferral).
"""Trigger the feature-store refresh job in Databricks and wait for it."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import requests
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, Variable

HOST = "https://adb-1234567890123456.7.azuredatabricks.net"
JOB_ID = 88213


def trigger_and_wait(**context):
    token = Variable.get("databricks_token")
    headers = {"Authorization": f"Bearer {token}"}
    resp = requests.post(
        f"{HOST}/api/2.1/jobs/run-now",
        json={"job_id": JOB_ID, "job_parameters": {"run_date": context["ds"]}},
        headers=headers,
        timeout=30,
    )
    resp.raise_for_status()
    run_id = resp.json()["run_id"]

    while True:
        run = requests.get(f"{HOST}/api/2.1/jobs/runs/get", params={"run_id": run_id}, headers=headers, timeout=30)
        run.raise_for_status()
        state = run.json()["state"]
        if state["life_cycle_state"] in ("TERMINATED", "SKIPPED", "INTERNAL_ERROR"):
            if state.get("result_state") != "SUCCESS":
                raise RuntimeError(f"databricks run {run_id} failed: {state}")
            return run_id
        time.sleep(30)


with DAG(
    dag_id="feature_store_refresh",
    schedule="0 5 * * *",
    start_date=datetime(2025, 2, 1),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
) as dag:
    PythonOperator(task_id="refresh_features", python_callable=trigger_and_wait)
