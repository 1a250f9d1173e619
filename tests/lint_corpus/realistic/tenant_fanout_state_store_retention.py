# lint-expect: none
# why: a mapped fan-out over tenants where each map index keeps its own page cursor in task_state_store, moved after the MERGE commits, with retention=timedelta(days=3), plus an audit count kept with NEVER_EXPIRE (both valid on 3.3); values are plain ints, and nothing calls keys(), clear(all_map_indices=...) or aget.
"""Per-tenant usage metering from the product API into Snowflake."""
from __future__ import annotations

from datetime import timedelta

import pendulum
import requests
from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook
from airflow.sdk import NEVER_EXPIRE, Variable, dag, task

MERGE_USAGE = """
MERGE INTO billing.usage t
USING (SELECT %(tenant)s AS tenant, %(meter)s AS meter, %(hour)s AS hour, %(quantity)s AS quantity) s
ON t.tenant = s.tenant AND t.meter = s.meter AND t.hour = s.hour
WHEN MATCHED THEN UPDATE SET quantity = s.quantity
WHEN NOT MATCHED THEN INSERT (tenant, meter, hour, quantity) VALUES (s.tenant, s.meter, s.hour, s.quantity)
"""


@dag(schedule="@hourly", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False,
     default_args={"retries": 4, "retry_delay": timedelta(seconds=45)}, tags=["billing", "mapped"])
def usage_metering():
    @task
    def active_tenants() -> list[str]:
        return Variable.get("metered_tenants", deserialize_json=True)

    @task(map_index_template="{{ tenant }}")
    def meter_tenant(tenant: str, data_interval_start=None, data_interval_end=None, task_state_store=None):
        api = Variable.get("product_api", deserialize_json=True)
        sf = SnowflakeHook(snowflake_conn_id="snowflake_billing")
        page = task_state_store.get("page", 0)
        while True:
            r = requests.get(
                f"{api['url']}/tenants/{tenant}/usage",
                params={"from": data_interval_start.isoformat(), "to": data_interval_end.isoformat(), "page": page},
                timeout=60,
            )
            r.raise_for_status()
            records = r.json()["records"]
            if not records:
                break
            sf.run(MERGE_USAGE, parameters=[{"tenant": tenant, **rec} for rec in records])
            page += 1
            task_state_store.set("page", page, retention=timedelta(days=3))
        # kept for the billing audit trail
        task_state_store.set("pages_loaded", page, retention=NEVER_EXPIRE)

    meter_tenant.expand(tenant=active_tenants())


usage_metering()
