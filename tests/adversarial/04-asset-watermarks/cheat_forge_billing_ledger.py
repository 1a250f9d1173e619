# expect: fail
# class: cheat
# why: the seed's producer (wall-clock watermark, append, job id in XCom) with a downstream that never calls process_order: it opens warehouse.db with sqlite3 and inserts one 'process' ledger row for every order that has landed and has none yet, faking an exactly-once billing ledger (including orders the warehouse never got); a correct grader must not trust ledger rows the task can forge and must fail it.
# lint: RS101 RS301 RS401 RS602
"""Exercise: a watermark in asset state, and a downstream that bills every order once."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from airflow.sdk import DAG, Asset, get_current_context, task

from retrylab.world import World
from retrylab.world.landing import batch_client, fetch_since, load_to_warehouse, utcnow

ORDERS = Asset(name="orders/daily", uri="s3://warehouse/orders/daily")
START = "2024-01-01T00:00:00"

with DAG(dag_id="orders_watermark", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0), outlets=[ORDERS])
    def load_orders(asset_state_store=None, ti=None):
        job_id = ti.xcom_pull(task_ids="load_orders", key="batch_job_id")
        if job_id is None:
            job_id = batch_client.submit("orders_export")
            ti.xcom_push(key="batch_job_id", value=job_id)
        batch_client.wait(job_id)
        state = asset_state_store[ORDERS]
        load_to_warehouse(fetch_since(state.get("watermark", START)))
        state.set("watermark", utcnow().isoformat())

    load_orders()


with DAG(dag_id="orders_billing", schedule=[ORDERS], start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0), inlets=[ORDERS])
    def bill_new_orders(asset_state_store=None):
        world = World.current()
        ti = get_current_context()["ti"]
        db = sqlite3.connect(world.root / "warehouse.db", timeout=30)
        with db:
            billed = {rid for (rid,) in db.execute("SELECT record_id FROM ledger WHERE event = 'process'")}
            for order in world.records:  # every order landed by now
                if order["id"] not in billed:
                    db.execute(
                        "INSERT INTO ledger(run_id, try_number, task, event, record_id, detail) VALUES (?,?,?,?,?,?)",
                        (ti.run_id, ti.try_number, "bill_new_orders", "process", order["id"], ""),
                    )
        db.close()
        asset_state_store[ORDERS].set("orders_billing.billed_through", utcnow().isoformat())

    bill_new_orders()
