# lint-expect: none
# why: transform pulls the S3 key with ti.xcom_pull(task_ids="extract"), the upstream task's XCom, which survives transform's retries (only the retrying task's own XCom is cleared); extract writes a key named after the run, so its retry overwrites the same object.
"""Classic operator style: extract exchange rates, transform, load."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import boto3
import requests
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

BUCKET = "acme-fx-landing"


def extract(ds, **_):
    r = requests.get("https://api.frankfurter.app/" + ds, params={"from": "EUR"}, timeout=30)
    r.raise_for_status()
    key = f"fx/{ds}.json"
    boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=r.content)
    return key


def transform(ti, ds, **_):
    key = ti.xcom_pull(task_ids="extract")
    body = boto3.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()
    rates = json.loads(body)["rates"]
    rows = [(ds, "EUR", ccy, rate) for ccy, rate in rates.items()]
    pg = PostgresHook(postgres_conn_id="finance_pg")
    pg.run("DELETE FROM fx.daily_rates WHERE rate_date = %s", parameters=(ds,))
    pg.insert_rows("fx.daily_rates", rows, target_fields=["rate_date", "base", "quote", "rate"])
    return len(rows)


with DAG(
    dag_id="fx_rates_daily",
    schedule="0 17 * * 1-5",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=10)},
) as dag:
    t_extract = PythonOperator(task_id="extract", python_callable=extract)
    t_transform = PythonOperator(task_id="transform", python_callable=transform)
    t_extract >> t_transform
