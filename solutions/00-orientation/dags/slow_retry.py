"""Retries with Airflow's default retry_delay (5 minutes)."""
from datetime import datetime

from airflow.sdk import DAG, task

with DAG(dag_id="slow_retry", schedule=None, start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=1)
    def wait_for_it():
        return "done"

    wait_for_it()
