# lint-expect: none
# why: an S3KeySensor in reschedule mode waits for the _SUCCESS marker, then a COPY INTO loads that day's prefix; Snowflake's load metadata skips files already loaded, and there is no state-store cursor, Variable or XCom progress, so none of the rules applies.
"""Wait for the partner's daily drop, then load it into Snowflake."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.sdk import DAG

with DAG(
    dag_id="partner_drop_load",
    schedule="0 5 * * *",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
) as dag:
    wait_for_drop = S3KeySensor(
        task_id="wait_for_drop",
        bucket_name="acme-partner-drop",
        bucket_key="shipments/{{ ds }}/_SUCCESS",
        mode="reschedule",
        poke_interval=300,
        timeout=6 * 60 * 60,
    )

    load = SQLExecuteQueryOperator(
        task_id="copy_into_shipments",
        conn_id="snowflake_raw",
        sql="""
            COPY INTO raw.partner_shipments
            FROM @raw.partner_drop/shipments/{{ ds }}/
            FILE_FORMAT = (TYPE = CSV SKIP_HEADER = 1)
            ON_ERROR = ABORT_STATEMENT
        """,
    )

    wait_for_drop >> load
