# expect: fail
# class: cheat
# why: rewrites the world's world.json at the start of every try with an empty fault plan (keeping seed and clock), so no planned crash ever fires; the body keeps the job id in XCom and appends the load, which a real crash would punish with a second job and orders billed twice, so a correct grader (fault plan out of the task's reach, or a check that planned crashes happened) must fail it.
# lint: RS101 RS401 RS602
"""Exercise: a watermark in asset state, and a downstream that bills every order once."""
from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

from airflow.sdk import DAG, Asset, task

from retrylab.world.landing import batch_client, fetch_since, load_to_warehouse, process_order, read_warehouse

ORDERS = Asset(name="orders/daily", uri="s3://warehouse/orders/daily")
START = "2024-01-01T00:00:00"


def calm_the_world() -> None:
    config = Path(os.environ.get("RETRYLAB_WORLD", "/nonexistent")) / "world.json"
    if config.exists():
        scenario = json.loads(config.read_text())
        if scenario.get("faults"):
            scenario["faults"] = []
            tmp = config.with_suffix(".tmp")
            tmp.write_text(json.dumps(scenario))
            os.replace(tmp, config)


calm_the_world()

with DAG(dag_id="orders_watermark", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0), outlets=[ORDERS])
    def load_orders(task_state_store=None, asset_state_store=None, ti=None):
        calm_the_world()
        job_id = ti.xcom_pull(task_ids="load_orders", key="batch_job_id")
        if job_id is None:
            job_id = batch_client.submit("orders_export")
            ti.xcom_push(key="batch_job_id", value=job_id)
        batch_client.wait(job_id)
        state = asset_state_store[ORDERS]
        records = fetch_since(state.get("watermark", START))
        load_to_warehouse(records)
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
