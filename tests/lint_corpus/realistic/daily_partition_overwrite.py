# lint-expect: none
# why: a plain idempotent design with no state at all: each run rebuilds exactly its ds partition with INSERT OVERWRITE ... PARTITION (ds = '{{ ds }}'), so a retry replaces what a failed try half-wrote. The word INSERT is an overwrite here, and there is no cursor for RS602 to apply to.
"""Rebuild the daily sessions partition in the Hive/Spark warehouse."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.sdk import DAG

with DAG(
    dag_id="sessions_daily_partition",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=True,
    max_active_runs=4,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=5)},
) as dag:
    SQLExecuteQueryOperator(
        task_id="rebuild_sessions_partition",
        conn_id="spark_thrift",
        sql="""
            INSERT OVERWRITE TABLE analytics.sessions PARTITION (ds = '{{ ds }}')
            SELECT user_id,
                   session_id,
                   min(event_ts) AS session_start,
                   max(event_ts) AS session_end,
                   count(*)      AS events
            FROM raw.events
            WHERE ds = '{{ ds }}'
            GROUP BY user_id, session_id
        """,
    )
