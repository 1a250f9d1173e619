# expect: pass
# class: right-variant
# why: reaches both stores through **context / get_current_context() instead of parameters, and uses the single-asset shortcut (asset_state_store.get/set without indexing, valid with exactly one inlet/outlet); the consumer only moves its own key when the producer's watermark is ahead of it; a correct grader must pass it.
# lint: none
"""Exercise: a watermark in asset state, and a downstream that bills every order once."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, Asset, get_current_context, task

from retrylab.world.landing import batch_client, fetch_since, merge_into_warehouse, process_order, read_warehouse

ORDERS = Asset(name="orders/daily", uri="s3://warehouse/orders/daily")
START = "2024-01-01T00:00:00"

with DAG(dag_id="orders_watermark", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0), outlets=[ORDERS])
    def load_orders(**context):
        tasks_state = context["task_state_store"]
        orders_state = context["asset_state_store"]  # one outlet: the accessor's own get/set work

        job_id = tasks_state.get("job")
        if not job_id or batch_client.get_status(job_id) not in ("PENDING", "RUNNING", "SUCCEEDED"):
            job_id = batch_client.submit("orders_export")
            tasks_state.set("job", job_id)
        if batch_client.wait(job_id) != "SUCCEEDED":
            raise RuntimeError(f"{job_id} failed")

        watermark = orders_state.get("watermark", START)
        records = fetch_since(watermark)
        if records:
            merge_into_warehouse(records)
            orders_state.set("watermark", max(record["event_time"] for record in records))

    load_orders()


with DAG(dag_id="orders_billing", schedule=[ORDERS], start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0), inlets=[ORDERS])
    def bill_new_orders():
        orders_state = get_current_context()["asset_state_store"]
        through = orders_state.get("watermark")
        after = orders_state.get("orders_billing:billed_through", START)
        if through is None or through <= after:
            return
        for row in read_warehouse(after, through):
            process_order(row)
        orders_state.set("orders_billing:billed_through", through)

    bill_new_orders()
