# lint-expect: none
# why: a custom BaseOperator subclass that reaches the store as context["task_state_store"], aliases it to checkpoints, MERGEs each page and only then sets the next offset (int) with retention=timedelta(days=2); no XCom, Variable or process state carries progress.
"""Reusable REST-to-Snowflake operator used by several ingest DAGs."""
from __future__ import annotations

from datetime import datetime, timedelta

import requests
from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook
from airflow.sdk import DAG, BaseOperator


class RestToSnowflakeOperator(BaseOperator):
    template_fields = ("endpoint", "params")

    def __init__(self, *, endpoint: str, target_table: str, key_column: str, params: dict | None = None,
                 page_size: int = 500, snowflake_conn_id: str = "snowflake_raw", **kwargs):
        super().__init__(**kwargs)
        self.endpoint = endpoint
        self.target_table = target_table
        self.key_column = key_column
        self.params = params or {}
        self.page_size = page_size
        self.snowflake_conn_id = snowflake_conn_id

    def _merge(self, hook: SnowflakeHook, records: list[dict]) -> None:
        cols = sorted(records[0])
        select = ", ".join(f"%({c})s AS {c}" for c in cols)
        updates = ", ".join(f"{c} = s.{c}" for c in cols if c != self.key_column)
        hook.run(
            f"MERGE INTO {self.target_table} t USING (SELECT {select}) s "
            f"ON t.{self.key_column} = s.{self.key_column} "
            f"WHEN MATCHED THEN UPDATE SET {updates} "
            f"WHEN NOT MATCHED THEN INSERT ({', '.join(cols)}) VALUES ({', '.join('s.' + c for c in cols)})",
            parameters=records,
        )

    def execute(self, context):
        checkpoints = context["task_state_store"]
        hook = SnowflakeHook(snowflake_conn_id=self.snowflake_conn_id)
        offset = checkpoints.get("offset", 0)
        loaded = 0
        while True:
            r = requests.get(self.endpoint, params={**self.params, "offset": offset, "limit": self.page_size},
                             timeout=60)
            r.raise_for_status()
            records = r.json()["results"]
            if not records:
                break
            self._merge(hook, records)
            offset += len(records)
            loaded += len(records)
            checkpoints.set("offset", offset, retention=timedelta(days=2))
        return loaded


with DAG(
    dag_id="crm_rest_ingest",
    schedule="@hourly",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=1)},
) as dag:
    RestToSnowflakeOperator(
        task_id="ingest_companies",
        endpoint="https://crm.example.com/api/companies",
        params={"updated_after": "{{ data_interval_start }}"},
        target_table="raw.crm_companies",
        key_column="id",
    )
