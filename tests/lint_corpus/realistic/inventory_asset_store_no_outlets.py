# lint-expect: RS703
# why: sync_inventory reads and writes asset_state_store[INVENTORY] but the @task declares no inlets or outlets (INVENTORY is only defined at module level), so on 3.3 the parameter stays None and the first subscript fails. The watermark itself is the max updated_at of the loaded rows and the sink is a MERGE.
"""Warehouse inventory levels from the WMS into the analytics warehouse."""
from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.providers.microsoft.mssql.hooks.mssql import MsSqlHook
from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook
from airflow.sdk import Asset, dag, task

INVENTORY = Asset("snowflake://analytics/raw/inventory_levels")


@dag(schedule=timedelta(minutes=30), start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False,
     default_args={"retries": 2})
def wms_inventory_sync():
    @task
    def sync_inventory(asset_state_store=None):
        wm = asset_state_store[INVENTORY]
        since = wm.get("updated_at", "2000-01-01T00:00:00")

        rows = MsSqlHook(mssql_conn_id="wms").get_records(
            "SELECT sku, warehouse_id, on_hand, updated_at FROM dbo.stock_levels WHERE updated_at > %s",
            parameters=(since,),
        )
        if not rows:
            return 0
        SnowflakeHook(snowflake_conn_id="snowflake_raw").run(
            """
            MERGE INTO raw.inventory_levels t
            USING (SELECT %s AS sku, %s AS warehouse_id, %s AS on_hand, %s AS updated_at) s
            ON t.sku = s.sku AND t.warehouse_id = s.warehouse_id
            WHEN MATCHED THEN UPDATE SET on_hand = s.on_hand, updated_at = s.updated_at
            WHEN NOT MATCHED THEN INSERT VALUES (s.sku, s.warehouse_id, s.on_hand, s.updated_at)
            """,
            parameters=rows,
        )
        wm.set("updated_at", max(r[3] for r in rows).isoformat())
        return len(rows)

    sync_inventory()


wms_inventory_sync()
