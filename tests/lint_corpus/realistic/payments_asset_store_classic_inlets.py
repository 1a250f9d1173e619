# lint-expect: none
# why: a classic PythonOperator with inlets=[PAYMENTS_API] and outlets=[PAYMENTS], so context["asset_state_store"] is present; the store is indexed by an asset the task declares, aliased to wm, and moved to the max payment id loaded (from the data) after the upsert.
"""Payment gateway -> Postgres, classic operator style with an asset watermark."""
from __future__ import annotations

from datetime import datetime, timedelta

import requests
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, Asset, Variable

PAYMENTS_API = Asset("https://payments.example.com/v1/payments")
PAYMENTS = Asset("postgres://finance-pg/raw/payments")


def load_payments(**context):
    wm = context["asset_state_store"][PAYMENTS]
    after_id = wm.get("max_payment_id", 0)
    api = Variable.get("payments_api", deserialize_json=True)
    r = requests.get(str(PAYMENTS_API.uri), params={"after_id": after_id, "limit": 5000},
                     headers={"Authorization": f"Bearer {api['token']}"}, timeout=60)
    r.raise_for_status()
    rows = r.json()["data"]
    if not rows:
        return 0
    PostgresHook(postgres_conn_id="finance_pg").insert_rows(
        "raw.payments",
        [(p["id"], p["merchant_id"], p["amount_cents"], p["status"], p["created_at"]) for p in rows],
        target_fields=["id", "merchant_id", "amount_cents", "status", "created_at"],
        replace=True,
        replace_index="id",
    )
    wm.set("max_payment_id", max(p["id"] for p in rows))
    return len(rows)


with DAG(
    dag_id="payments_ingest",
    schedule=timedelta(minutes=10),
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=1)},
) as dag:
    PythonOperator(
        task_id="load_payments",
        python_callable=load_payments,
        inlets=[PAYMENTS_API],
        outlets=[PAYMENTS],
    )
