# expect: pass
# class: right-variant
# why: splits the producer into helpers (one that runs the export job once per task instance and resubmits only a failed job, one that loads and returns the new watermark), takes the watermark from the last record (fetch_since returns event order) under the key "high_water_mark", and the consumer keeps its progress under "billing/orders_billing"; same behaviour as the reference, so a correct grader must pass it.
# lint: none
"""Exercise: a watermark in asset state, and a downstream that bills every order once."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, Asset, task

from retrylab.world.landing import batch_client, fetch_since, merge_into_warehouse, process_order, read_warehouse

ORDERS = Asset(name="orders/daily", uri="s3://warehouse/orders/daily")
START = "2024-01-01T00:00:00"
WATERMARK = "high_water_mark"
BILLED = "billing/orders_billing"


def run_export_once(task_state_store) -> str:
    """Submit the export job at most once per task instance; resubmit only if it failed."""
    job_id = task_state_store.get("export_job")
    if job_id:
        status = batch_client.get_status(job_id)
        if status == "SUCCEEDED":
            return job_id
        if status in ("PENDING", "RUNNING"):
            batch_client.wait(job_id)
            return job_id
    job_id = batch_client.submit("orders_export")
    task_state_store.set("export_job", job_id)
    if batch_client.wait(job_id) != "SUCCEEDED":
        raise RuntimeError(f"export {job_id} failed")
    return job_id


def load_new_orders(since: str) -> str | None:
    """MERGE what landed after `since`; return the newest event_time loaded (None if nothing)."""
    records = fetch_since(since)
    if not records:
        return None
    merge_into_warehouse(records)
    return records[-1]["event_time"]


with DAG(dag_id="orders_watermark", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0), outlets=[ORDERS])
    def load_orders(task_state_store=None, asset_state_store=None):
        run_export_once(task_state_store)
        orders_state = asset_state_store[ORDERS]
        newest = load_new_orders(orders_state.get(WATERMARK, START))
        if newest is not None:
            orders_state.set(WATERMARK, newest)
        return newest

    load_orders()


with DAG(dag_id="orders_billing", schedule=[ORDERS], start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0), inlets=[ORDERS])
    def bill_new_orders(asset_state_store=None):
        orders_state = asset_state_store[ORDERS]
        through = orders_state.get(WATERMARK)
        if not through:
            return 0
        billed_through = orders_state.get(BILLED, START)
        rows = read_warehouse(billed_through, through)
        for row in rows:
            process_order(row)
        orders_state.set(BILLED, through)
        return len(rows)

    bill_new_orders()
