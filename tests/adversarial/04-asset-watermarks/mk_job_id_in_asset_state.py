# expect: fail
# class: mistake
# symptom: job
# why: keeps the batch job id in asset_state_store next to the watermark instead of task_state_store; asset state outlives the DAG run, so every later night finds night 1's SUCCEEDED job and never runs its own export, and a correct grader must fail the one-batch-job-per-run check.
# lint: RS404
"""Exercise: a watermark in asset state, and a downstream that bills every order once."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, Asset, task

from retrylab.world.landing import batch_client, fetch_since, load_to_warehouse, merge_into_warehouse, process_order, read_warehouse

ORDERS = Asset(name="orders/daily", uri="s3://warehouse/orders/daily")
START = "2024-01-01T00:00:00"


with DAG(dag_id="orders_watermark", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0), outlets=[ORDERS])
    def load_orders(task_state_store=None, asset_state_store=None):
        state = asset_state_store[ORDERS]
        job_id = state.get("batch_job_id")
        if job_id is None or batch_client.get_status(job_id) in ("FAILED", "CANCELLED"):
            job_id = batch_client.submit("orders_export")
            state.set("batch_job_id", job_id)
        batch_client.wait(job_id)
        records = fetch_since(state.get("watermark", START))
        merge_into_warehouse(records)
        if records:
            state.set("watermark", max(r["event_time"] for r in records))

    load_orders()


with DAG(dag_id="orders_billing", schedule=[ORDERS], start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0), inlets=[ORDERS])
    def bill_new_orders(asset_state_store=None):
        state = asset_state_store[ORDERS]
        through = state.get("watermark")
        if through is None:
            return
        after = state.get("orders_billing.billed_through", START)
        for row in read_warehouse(after, through):
            process_order(row)
        state.set("orders_billing.billed_through", through)

    bill_new_orders()
