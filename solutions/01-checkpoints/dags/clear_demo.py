"""A task that leaves one key in its state store when it succeeds."""
from datetime import datetime

from airflow.sdk import DAG, task

with DAG(dag_id="clear_demo", schedule=None, start_date=datetime(2025, 1, 1), catchup=False):

    @task
    def remember(task_state_store=None):
        task_state_store.set("last_id", 9095)

    remember()
