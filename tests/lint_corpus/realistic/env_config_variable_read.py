# lint-expect: none
# why: Variables are only read for configuration (Variable.get("env_config", deserialize_json=True) and a templated {{ var.value.alert_email }}); nothing is ever written to a Variable, and the load overwrites the day's partition, so retries are safe.
"""Daily product catalogue snapshot, environment-aware via a JSON config Variable."""
from __future__ import annotations

from datetime import datetime, timedelta

import requests
from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook
from airflow.sdk import DAG, Variable, task

with DAG(
    dag_id="catalogue_snapshot",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=5), "email": ["{{ var.value.alert_email }}"]},
) as dag:

    @task
    def snapshot_catalogue(ds=None):
        cfg = Variable.get("env_config", deserialize_json=True)
        page_size = int(Variable.get("catalogue_page_size", default="500"))
        products = []
        page = 1
        while True:
            r = requests.get(f"{cfg['catalogue_api']}/products", params={"page": page, "size": page_size},
                             timeout=cfg.get("http_timeout", 30))
            r.raise_for_status()
            items = r.json()["items"]
            if not items:
                break
            products.extend(items)
            page += 1

        sf = SnowflakeHook(snowflake_conn_id=cfg["snowflake_conn_id"])
        with sf.get_conn() as conn, conn.cursor() as cur:
            cur.execute("BEGIN")
            cur.execute(f"DELETE FROM {cfg['schema']}.catalogue_snapshot WHERE snapshot_date = %s", (ds,))
            cur.executemany(
                f"INSERT INTO {cfg['schema']}.catalogue_snapshot (snapshot_date, sku, name, price_cents) "
                "VALUES (%s, %s, %s, %s)",
                [(ds, p["sku"], p["name"], p["price_cents"]) for p in products],
            )
            cur.execute("COMMIT")
        return len(products)

    snapshot_catalogue()
