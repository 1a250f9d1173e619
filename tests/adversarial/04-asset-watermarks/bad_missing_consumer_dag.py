# expect: fail
# class: bad-input
# symptom: orders_billing
# why: a correct producer, but the file has no orders_billing DAG (the learner deleted the second half of the cell); a correct grader must fail it and say which DAG is missing instead of grading the producer alone or crashing.
# lint: none
"""Exercise: a watermark in asset state, and a downstream that bills every order once."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, Asset, task

from retrylab.world.landing import batch_client, fetch_since, merge_into_warehouse

ORDERS = Asset(name="orders/daily", uri="s3://warehouse/orders/daily")
START = "2024-01-01T00:00:00"

with DAG(dag_id="orders_watermark", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0), outlets=[ORDERS])
    def load_orders(task_state_store=None, asset_state_store=None):
        job_id = task_state_store.get("batch_job_id")
        if job_id is None or batch_client.get_status(job_id) in ("FAILED", "CANCELLED"):
            job_id = batch_client.submit("orders_export")
            task_state_store.set("batch_job_id", job_id)
        batch_client.wait(job_id)
        state = asset_state_store[ORDERS]
        records = fetch_since(state.get("watermark", START))
        merge_into_warehouse(records)
        if records:
            state.set("watermark", max(r["event_time"] for r in records))

    load_orders()
