# lint-expect: RS603
# why: each mapped backfill task calls task_state_store.clear() first thing "to start clean" and only then reads "next_page", so every retry throws away the checkpoint the failed try left and restarts from page 1. Checkpoint order and the MERGE sink are otherwise right.
"""Re-sync a tenant's full order history on demand, one mapped task per tenant."""
from __future__ import annotations

import json
from datetime import timedelta

import pendulum
import requests
from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook
from airflow.sdk import Param, Variable, dag, task

MERGE = """
MERGE INTO raw.tenant_orders t
USING (SELECT %(tenant)s AS tenant, %(id)s AS id, PARSE_JSON(%(doc)s) AS doc) s
ON t.tenant = s.tenant AND t.id = s.id
WHEN MATCHED THEN UPDATE SET doc = s.doc
WHEN NOT MATCHED THEN INSERT (tenant, id, doc) VALUES (s.tenant, s.id, s.doc)
"""


@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False,
     params={"tenants": Param(["acme"], type="array")},
     default_args={"retries": 5, "retry_delay": timedelta(minutes=1)}, tags=["backfill", "mapped"])
def tenant_orders_resync():
    @task
    def tenants(params=None) -> list[str]:
        return params["tenants"]

    @task
    def resync(tenant: str, task_state_store=None):
        # a resync must never reuse a half-finished cursor
        task_state_store.clear()
        page = task_state_store.get("next_page", 1)

        api = Variable.get("orders_api", deserialize_json=True)
        sf = SnowflakeHook(snowflake_conn_id="snowflake_raw")
        while True:
            r = requests.get(f"{api['url']}/tenants/{tenant}/orders", params={"page": page, "per_page": 500},
                             timeout=60)
            r.raise_for_status()
            orders = r.json()["orders"]
            if not orders:
                break
            sf.run(MERGE, parameters=[{"tenant": tenant, "id": o["id"], "doc": json.dumps(o)} for o in orders])
            page += 1
            task_state_store.set("next_page", page)

    resync.expand(tenant=tenants())


tenant_orders_resync()
