# lint-expect: none
# why: every external job here goes through provider operators -- AirbyteTriggerSyncOperator(asynchronous=True) followed by a separate AirbyteJobSensor, and deferrable dbt Cloud / Databricks operators -- so no task body submits a job and polls it itself; the only Python task reads the upstream run's XCom and checks freshness.
"""Morning ELT chain: Airbyte Salesforce sync, dbt Cloud models, then the Databricks forecast notebook."""

from __future__ import annotations

import logging
from datetime import timedelta

import pendulum

from airflow.sdk import dag, task
from airflow.providers.airbyte.operators.airbyte import AirbyteTriggerSyncOperator
from airflow.providers.airbyte.sensors.airbyte import AirbyteJobSensor
from airflow.providers.databricks.operators.databricks import DatabricksRunNowOperator
from airflow.providers.dbt.cloud.operators.dbt import DbtCloudRunJobOperator
from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook

log = logging.getLogger(__name__)


@dag(
    schedule="0 6 * * 1-5",
    start_date=pendulum.datetime(2025, 1, 1, tz="America/New_York"),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["elt", "airbyte", "dbt", "databricks"],
)
def elt_airbyte_dbt_deferrable():
    trigger_sync = AirbyteTriggerSyncOperator(
        task_id="trigger_salesforce_sync",
        airbyte_conn_id="airbyte_default",
        connection_id="8b1d6a0e-0f3c-4d8e-bb7a-1e2f3a4b5c6d",
        asynchronous=True,
    )
    wait_sync = AirbyteJobSensor(
        task_id="wait_salesforce_sync",
        airbyte_conn_id="airbyte_default",
        airbyte_job_id=trigger_sync.output,
        deferrable=True,
        timeout=3 * 3600,
    )

    dbt_models = DbtCloudRunJobOperator(
        task_id="dbt_sales_models",
        dbt_cloud_conn_id="dbt_cloud",
        job_id=70403104127591,
        check_interval=60,
        timeout=2 * 3600,
        deferrable=True,
        additional_run_config={"threads_override": 8},
    )

    @task
    def check_freshness(ti=None) -> dict:
        dbt_run_id = ti.xcom_pull(task_ids="dbt_sales_models")
        lag = SnowflakeHook(snowflake_conn_id="snowflake_sales").get_first(
            "SELECT DATEDIFF('minute', MAX(_airbyte_extracted_at), CURRENT_TIMESTAMP()) FROM raw_salesforce.opportunity"
        )[0]
        if lag > 180:
            raise ValueError(f"Salesforce data is {lag} min old after dbt run {dbt_run_id}")
        return {"dbt_run_id": dbt_run_id, "lag_minutes": lag}

    forecast = DatabricksRunNowOperator(
        task_id="revenue_forecast",
        databricks_conn_id="databricks_sales",
        job_id=913227406512398,
        job_parameters={"as_of": "{{ ds }}"},
        deferrable=True,
    )

    trigger_sync >> wait_sync >> dbt_models >> check_freshness() >> forecast


elt_airbyte_dbt_deferrable()
