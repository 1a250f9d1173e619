# lint-expect: RS602 RS102
# why: load_impressions resumes from a task_state_store cursor but writes each file with a plain INSERT ... VALUES (execute_values) before moving the cursor, so a crash between the commit and the set() loads that file twice (RS602); it also ti.xcom_push()es last_loaded_file inside the loop as progress, which the next try never sees (RS102).
"""Loads ad-server impression logs (gzip JSON lines in GCS) into the Postgres reporting replica."""

from __future__ import annotations

import gzip
import json
import logging
from datetime import timedelta

import pendulum
from google.cloud import storage
from psycopg2.extras import execute_values

from airflow.sdk import DAG
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.providers.standard.operators.python import PythonOperator

log = logging.getLogger(__name__)

BUCKET = "adserver-logs-prod"
INSERT = """
INSERT INTO reporting.impressions (impression_id, ts, campaign_id, creative_id, placement, country, cost_micros)
VALUES %s
"""


def _rows(blob) -> list[tuple]:
    out = []
    for line in gzip.decompress(blob.download_as_bytes()).splitlines():
        e = json.loads(line)
        out.append((e["imp_id"], e["ts"], e["cmp"], e["crv"], e["plc"], e.get("geo", "ZZ"), e["cost_micros"]))
    return out


def load_impressions(ti, task_state_store, ds_nodash, **_):
    cursor = task_state_store.get("last_loaded_file", "")
    prefix = f"impressions/dt={ds_nodash}/"
    blobs = sorted(
        (b for b in storage.Client().list_blobs(BUCKET, prefix=prefix) if b.name > cursor),
        key=lambda b: b.name,
    )
    hook = PostgresHook(postgres_conn_id="reporting_pg")
    loaded = 0
    for blob in blobs:
        rows = _rows(blob)
        conn = hook.get_conn()
        with conn, conn.cursor() as cur:
            execute_values(cur, INSERT, rows, page_size=5000)
        task_state_store.set("last_loaded_file", blob.name)
        ti.xcom_push(key="last_loaded_file", value=blob.name)
        loaded += len(rows)
        log.info("loaded %s (%d rows)", blob.name, len(rows))
    return loaded


with DAG(
    dag_id="adtech_impressions_load",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 2, 1, tz="UTC"),
    catchup=True,
    max_active_runs=4,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=5)},
    tags=["adtech"],
):
    PythonOperator(task_id="load_impressions", python_callable=load_impressions)
