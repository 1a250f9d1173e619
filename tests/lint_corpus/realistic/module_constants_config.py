# lint-expect: none
# why: the module-level TABLES list and COLUMN_OVERRIDES dict are read-only configuration used to generate one task per table at parse time; nothing mutates them at run time, there is no global statement, and each task replaces its table's day partition.
"""Replicate a fixed set of Postgres tables to BigQuery, one task per table."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.google.cloud.transfers.postgres_to_gcs import PostgresToGCSOperator
from airflow.providers.google.cloud.transfers.gcs_to_bigquery import GCSToBigQueryOperator
from airflow.sdk import DAG

TABLES = ["customers", "subscriptions", "invoices", "plans"]

COLUMN_OVERRIDES = {
    "customers": "id, email, country, created_at, updated_at",
    "invoices": "id, customer_id, amount_cents, currency, status, issued_at",
}

DEFAULT_ARGS = {"retries": 3, "retry_delay": timedelta(minutes=5), "owner": "data-platform"}

with DAG(
    dag_id="pg_to_bq_replication",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args=DEFAULT_ARGS,
) as dag:
    for table in TABLES:
        columns = COLUMN_OVERRIDES.get(table, "*")
        dump = PostgresToGCSOperator(
            task_id=f"dump_{table}",
            postgres_conn_id="app_pg",
            sql=f"SELECT {columns} FROM public.{table}",
            bucket="acme-replication",
            filename=f"{table}/{{{{ ds }}}}/part-{{}}.json",
            export_format="json",
        )
        load = GCSToBigQueryOperator(
            task_id=f"load_{table}",
            bucket="acme-replication",
            source_objects=[f"{table}/{{{{ ds }}}}/*.json"],
            destination_project_dataset_table=f"acme-analytics.replica.{table}${{{{ ds_nodash }}}}",
            source_format="NEWLINE_DELIMITED_JSON",
            write_disposition="WRITE_TRUNCATE",
            autodetect=True,
        )
        dump >> load
