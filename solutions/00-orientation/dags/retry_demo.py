"""The first-page load with two retries, one second apart."""
from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import fetch_page, transform_and_upsert

with DAG(dag_id="retry_demo", schedule=None, start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=2, retry_delay=timedelta(seconds=1))
    def load_first_page():
        page = fetch_page(after_id=0, limit=100)
        for record in page:
            transform_and_upsert(record)
        return len(page)

    load_first_page()
