# lint-expect: RS101 RS102
# why: the task pulls its own XCom cursor (cleared at each try) and pushes it inside the page loop.
# The seed's DAG as users paste it (AIP-103 skill PR, astronomer/agents#222); helpers left undefined.
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task

PAGE_SIZE = 1000

with DAG(
    dag_id="antipattern_xcom_checkpoint",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
):

    @task(retries=5, retry_delay=timedelta(seconds=30))
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
