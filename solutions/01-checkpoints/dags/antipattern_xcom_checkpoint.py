from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import fetch_page, transform_and_load

PAGE_SIZE = 1000

with DAG(
    dag_id="antipattern_xcom_checkpoint",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
):

    @task(retries=5, retry_delay=timedelta(seconds=0))
    def process_large_batch(**context):
        ti = context["ti"]

        last_cursor = ti.xcom_pull(task_ids="process_large_batch", key="cursor")
        cursor = last_cursor or 0

        while True:
            page = fetch_page(after_id=cursor, limit=PAGE_SIZE)
            if not page:
                break
            for record in page:
                transform_and_load(record)
            cursor = page[-1]["id"]
            ti.xcom_push(key="cursor", value=cursor)

    process_large_batch()
