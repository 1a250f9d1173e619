# lint-expect: RS201
# why: rollup_bid_logs ends with V.set(key="bidlog_rollup_last_hour", value=...) -- a task writing a Variable (imported as V) to carry its progress, shared by every run and environment. The V.get reads of bidlog_rollup_config are read-only configuration, and the watermark value comes from the data (max event_hour loaded), not the wall clock.
"""Hourly rollup of RTB bid-request logs into bidder performance facts."""

from __future__ import annotations

import logging
from datetime import timedelta

import pendulum

from airflow.sdk import DAG, Variable as V
from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook
from airflow.providers.standard.operators.python import PythonOperator

log = logging.getLogger("adtech.bidlog")

ROLLUP_SQL = """
MERGE INTO adtech.bidder_hourly AS t
USING (
    SELECT DATE_TRUNC('hour', event_ts) AS event_hour,
           bidder_id, exchange, COUNT(*) AS bids,
           COUNT_IF(won) AS wins, SUM(clearing_price_micros) AS spend_micros
    FROM raw.bid_requests
    WHERE event_ts >= %(since)s AND event_ts < DATEADD('hour', %(max_hours)s, %(since)s)
      AND exchange IN (SELECT value FROM TABLE(FLATTEN(PARSE_JSON(%(exchanges)s))))
    GROUP BY 1, 2, 3
) AS s
ON t.event_hour = s.event_hour AND t.bidder_id = s.bidder_id AND t.exchange = s.exchange
WHEN MATCHED THEN UPDATE SET bids = s.bids, wins = s.wins, spend_micros = s.spend_micros
WHEN NOT MATCHED THEN INSERT VALUES (s.event_hour, s.bidder_id, s.exchange, s.bids, s.wins, s.spend_micros)
"""


def rollup_bid_logs(**context):
    import json

    cfg = V.get("bidlog_rollup_config", deserialize_json=True)
    since = V.get("bidlog_rollup_last_hour", default="2025-01-01T00:00:00+00:00")
    hook = SnowflakeHook(snowflake_conn_id=cfg.get("conn_id", "snowflake_adtech"))

    hook.run(
        ROLLUP_SQL,
        parameters={"since": since, "max_hours": cfg.get("max_hours_per_run", 6),
                    "exchanges": json.dumps(cfg["exchanges"])},
    )
    rows = hook.get_records(
        "SELECT MAX(event_hour) FROM adtech.bidder_hourly WHERE event_hour >= %(since)s",
        parameters={"since": since},
    )
    newest = rows[0][0] if rows and rows[0][0] else None
    if newest is None:
        log.info("no new bid logs since %s", since)
        return
    next_since = pendulum.instance(newest).add(hours=1)
    log.info("rolled up bid logs up to %s", newest)
    V.set(key="bidlog_rollup_last_hour", value=next_since.isoformat())


with DAG(
    dag_id="adtech_bidlog_rollup",
    schedule="15 * * * *",
    start_date=pendulum.datetime(2025, 3, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "adtech-data", "retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["adtech", "rtb"],
) as dag:
    PythonOperator(task_id="rollup_bid_logs", python_callable=rollup_bid_logs)
