# lint-expect: none
# why: datetime.now() and pendulum.now() are used only for a log line, a duration metric and the report's "generated at" footer; the query window and the output key come from data_interval_start/end and ds, and the S3 object is overwritten on retry. No watermark is stored anywhere.
"""Weekly revenue report: query the warehouse, render CSV, upload to the reports bucket."""
from __future__ import annotations

import csv
import io
import logging
from datetime import datetime, timedelta

import boto3
import pendulum
from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook
from airflow.sdk import DAG, task
from statsd import StatsClient

log = logging.getLogger(__name__)
statsd = StatsClient("statsd.monitoring.svc", 8125, prefix="reports")

with DAG(
    dag_id="weekly_revenue_report",
    schedule="0 9 * * MON",
    start_date=datetime(2025, 1, 6),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
) as dag:

    @task
    def build_report(data_interval_start=None, data_interval_end=None, ds=None):
        started = datetime.now()
        log.info("building revenue report at %s for %s..%s", started, data_interval_start, data_interval_end)
        rows = SnowflakeHook(snowflake_conn_id="snowflake_analytics").get_records(
            "SELECT region, sum(revenue) FROM marts.orders WHERE order_ts >= %s AND order_ts < %s GROUP BY region",
            parameters=(data_interval_start.isoformat(), data_interval_end.isoformat()),
        )
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["region", "revenue"])
        w.writerows(rows)
        w.writerow([])
        w.writerow([f"generated at {pendulum.now('UTC').to_iso8601_string()}"])

        boto3.client("s3").put_object(Bucket="acme-reports", Key=f"revenue/weekly/{ds}.csv",
                                      Body=buf.getvalue().encode())
        statsd.timing("weekly_revenue.build_ms", (datetime.now() - started).total_seconds() * 1000)

    build_report()
