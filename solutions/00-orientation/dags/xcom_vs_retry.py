"""What survives a retry: XCom (no) versus task_state_store (yes)."""
from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import fetch_page, note, transform_and_upsert

with DAG(dag_id="xcom_vs_retry", schedule=None, start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=1, retry_delay=timedelta(seconds=0))
    def remember(task_state_store=None, **context):
        ti = context["ti"]
        note("xcom_pull saw", ti.xcom_pull(task_ids="remember", key="progress"))
        note("task_state_store saw", task_state_store.get("progress"))

        ti.xcom_push(key="progress", value=f"written on try {ti.try_number}")
        task_state_store.set("progress", f"written on try {ti.try_number}")

        for record in fetch_page(after_id=0, limit=100):  # the crash point is in here
            transform_and_upsert(record)

    remember()
