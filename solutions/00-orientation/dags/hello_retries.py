"""Exercise: load_first_page survives two crashes in a row and retries at once."""
from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import fetch_page, transform_and_upsert

with DAG(dag_id="hello_retries", schedule=None, start_date=datetime(2025, 1, 1), catchup=False):

    ### BEGIN SOLUTION
    @task(retries=2, retry_delay=timedelta(seconds=0))
    ### END SOLUTION
    def load_first_page():
        page = fetch_page(after_id=0, limit=100)
        for record in page:
            transform_and_upsert(record)
        return len(page)

    load_first_page()
