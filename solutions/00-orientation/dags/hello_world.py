"""A first DAG: load the first page of orders into the warehouse."""
from datetime import datetime

from airflow.sdk import DAG, task

from retrylab.world import fetch_page, transform_and_upsert

with DAG(dag_id="hello_world", schedule=None, start_date=datetime(2025, 1, 1), catchup=False):

    @task
    def load_first_page():
        page = fetch_page(after_id=0, limit=100)
        for record in page:
            transform_and_upsert(record)
        return len(page)

    load_first_page()
