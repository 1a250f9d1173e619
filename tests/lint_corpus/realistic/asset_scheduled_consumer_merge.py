# lint-expect: none
# why: an asset-scheduled consumer: it runs when ORDERS_CURATED is updated, reads the triggering events' extras for logging, and rebuilds the customer LTV mart with a MERGE. No state store, Variable writes or own-XCom reads; the asset appears only in schedule and inlets.
"""Customer lifetime value mart, rebuilt whenever curated orders change."""
from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook
from airflow.sdk import Asset, dag, task

ORDERS_CURATED = Asset("snowflake://analytics/silver/orders")
CUSTOMER_LTV = Asset("snowflake://analytics/marts/customer_ltv")


@dag(schedule=[ORDERS_CURATED], start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False,
     default_args={"retries": 2, "retry_delay": timedelta(minutes=2)}, tags=["marts"])
def customer_ltv_mart():
    @task(inlets=[ORDERS_CURATED], outlets=[CUSTOMER_LTV])
    def rebuild_ltv(triggering_asset_events=None):
        for event in triggering_asset_events[ORDERS_CURATED]:
            print("upstream update", event.timestamp, event.extra)
        SnowflakeHook(snowflake_conn_id="snowflake_analytics").run(
            """
            MERGE INTO marts.customer_ltv t
            USING (
                SELECT customer_id, sum(total_cents) AS ltv_cents, count(*) AS orders, max(updated_at) AS last_order
                FROM silver.orders WHERE status = 'completed' GROUP BY customer_id
            ) s ON t.customer_id = s.customer_id
            WHEN MATCHED THEN UPDATE SET ltv_cents = s.ltv_cents, orders = s.orders, last_order = s.last_order
            WHEN NOT MATCHED THEN INSERT VALUES (s.customer_id, s.ltv_cents, s.orders, s.last_order)
            """
        )

    rebuild_ltv()


customer_ltv_mart()
