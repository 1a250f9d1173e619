# lint-expect: RS301
# why: the asset watermark is moved to pendulum.now("UTC") after the load instead of the largest updated_at among the loaded rows, so rows committed while the task ran are skipped forever. The asset is an outlet (asset_state_store is present) and the sink is a MERGE, so nothing else is wrong.
"""CDC pull of the orders table from the OLTP replica into the lake, driven by an asset watermark."""
from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook
from airflow.sdk import Asset, dag, task

ORDERS_RAW = Asset("snowflake://analytics/raw/orders")


@dag(
    schedule=timedelta(minutes=15),
    start_date=pendulum.datetime(2025, 3, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 3},
    tags=["cdc"],
)
def orders_cdc():
    @task(outlets=[ORDERS_RAW])
    def pull_changes(asset_state_store=None):
        state = asset_state_store[ORDERS_RAW]
        since = state.get("high_watermark", "1970-01-01T00:00:00+00:00")

        src = PostgresHook(postgres_conn_id="orders_replica")
        rows = src.get_records(
            "SELECT id, customer_id, status, total_cents, updated_at FROM orders "
            "WHERE updated_at > %s ORDER BY updated_at",
            parameters=(since,),
        )
        if not rows:
            return 0

        dst = SnowflakeHook(snowflake_conn_id="snowflake_raw")
        with dst.get_conn() as conn, conn.cursor() as cur:
            cur.executemany(
                """
                MERGE INTO raw.orders t
                USING (SELECT %s AS id, %s AS customer_id, %s AS status, %s AS total_cents, %s AS updated_at) s
                ON t.id = s.id
                WHEN MATCHED THEN UPDATE SET status = s.status, total_cents = s.total_cents,
                                             updated_at = s.updated_at
                WHEN NOT MATCHED THEN INSERT (id, customer_id, status, total_cents, updated_at)
                     VALUES (s.id, s.customer_id, s.status, s.total_cents, s.updated_at)
                """,
                rows,
            )
            conn.commit()

        state.set("high_watermark", pendulum.now("UTC").isoformat())
        return len(rows)

    pull_changes()


orders_cdc()
