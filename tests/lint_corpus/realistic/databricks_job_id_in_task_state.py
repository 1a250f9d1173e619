# lint-expect: none
# why: the job is submitted and polled in one try, but the run id is stored with task_state_store.set right after submit and looked up first, and a stored run that is still pending/running is reattached (only a terminal failure resubmits): the manual form of what ResumableJobMixin does, so not RS401. The id lives in the per-task-instance store, not the asset store (no RS404).
"""One-off historical backfill on Databricks, crash-safe without the mixin."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import requests
from airflow.sdk import DAG, Variable, task

HOST = "https://dbc-4f1a2b3c-9d8e.cloud.databricks.com"
ACTIVE = {"QUEUED", "PENDING", "RUNNING", "TERMINATING", "BLOCKED", "WAITING_FOR_RETRY"}

with DAG(
    dag_id="events_history_backfill",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=5)},
    params={"from_date": "2023-01-01", "to_date": "2024-12-31"},
) as dag:

    @task(execution_timeout=timedelta(hours=10))
    def backfill(params=None, task_state_store=None):
        headers = {"Authorization": f"Bearer {Variable.get('databricks_token')}"}

        def life_cycle(run_id: int) -> dict:
            r = requests.get(f"{HOST}/api/2.1/jobs/runs/get", params={"run_id": run_id}, headers=headers, timeout=30)
            r.raise_for_status()
            return r.json()["state"]

        run_id = task_state_store.get("databricks_run_id")
        if run_id:
            state = life_cycle(run_id)
            if state["life_cycle_state"] == "TERMINATED" and state.get("result_state") == "SUCCESS":
                return run_id
            if state["life_cycle_state"] not in ACTIVE:
                run_id = None

        if not run_id:
            r = requests.post(
                f"{HOST}/api/2.1/jobs/runs/submit",
                headers=headers,
                timeout=30,
                json={
                    "run_name": "events-history-backfill",
                    "tasks": [{
                        "task_key": "backfill",
                        "existing_cluster_id": Variable.get("databricks_backfill_cluster"),
                        "spark_python_task": {"python_file": "dbfs:/jobs/backfill_events.py",
                                              "parameters": [params["from_date"], params["to_date"]]},
                    }],
                },
            )
            r.raise_for_status()
            run_id = r.json()["run_id"]
            task_state_store.set("databricks_run_id", run_id)

        while (state := life_cycle(run_id))["life_cycle_state"] in ACTIVE:
            time.sleep(60)
        if state.get("result_state") != "SUCCESS":
            raise RuntimeError(f"databricks run {run_id} failed: {state}")
        return run_id

    backfill()
