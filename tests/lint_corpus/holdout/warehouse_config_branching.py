# lint-expect: none
# why: every Variable here is read-only configuration (Variable.get of the target dataset, the full-refresh weekday and the table list, also inside a loop); nothing writes a Variable. Each table is rebuilt for its own logical-date partition by a DELETE+INSERT in one transaction, so retries need no state.
"""Builds the daily marts for the healthcare claims warehouse; full refresh on the configured weekday."""

from __future__ import annotations

import logging
from datetime import timedelta

import pendulum

from airflow.sdk import DAG, Variable, task
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.providers.standard.operators.empty import EmptyOperator

log = logging.getLogger(__name__)

MARTS_CFG = "claims_marts_config"

with DAG(
    dag_id="claims_marts_daily",
    schedule="0 6 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="America/New_York"),
    catchup=True,
    max_active_runs=2,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=10)},
    tags=["claims", "marts"],
):

    @task.branch
    def choose_mode(logical_date=None) -> str:
        cfg = Variable.get(MARTS_CFG, deserialize_json=True)
        full_refresh_day = cfg.get("full_refresh_weekday", 6)
        if logical_date.weekday() == full_refresh_day or Variable.get("claims_marts_force_full", "false") == "true":
            return "full_refresh"
        return "incremental_partitions"

    full_refresh = SQLExecuteQueryOperator(
        task_id="full_refresh",
        conn_id="claims_dw",
        sql="CALL marts.rebuild_all('{{ var.value.claims_target_schema }}')",
    )

    @task
    def incremental_partitions(ds=None) -> dict:
        cfg = Variable.get(MARTS_CFG, deserialize_json=True)
        target = Variable.get("claims_target_schema", default="marts")
        hook = PostgresHook(postgres_conn_id="claims_dw")
        counts = {}
        for table in cfg["incremental_tables"]:
            source_sql = Variable.get(f"claims_mart_sql__{table}")
            with hook.get_conn() as conn, conn.cursor() as cur:
                cur.execute(f"DELETE FROM {target}.{table} WHERE service_date = %s", (ds,))
                cur.execute(f"INSERT INTO {target}.{table} {source_sql}", {"ds": ds})
                counts[table] = cur.rowcount
            log.info("%s.%s rebuilt for %s: %d rows", target, table, ds, counts[table])
        return counts

    done = EmptyOperator(task_id="marts_ready", trigger_rule="none_failed_min_one_success")
    choose_mode() >> [full_refresh, incremental_partitions()] >> done
