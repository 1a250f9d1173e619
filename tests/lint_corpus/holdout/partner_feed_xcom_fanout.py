# lint-expect: none
# why: the only xcom_pull calls read upstream tasks' results (list_partner_files, load_file); summarize builds its per-partner totals in a loop and pushes one XCom after the loop, and nothing reads back its own XCom. Each mapped load_file overwrites its own staging partition, so no cursor is needed.
"""Fans out over the partner product-feed files of the day and loads each into the catalog staging area."""

from __future__ import annotations

import csv
import io
import logging
from datetime import timedelta

import pendulum

from airflow.sdk import dag, task
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.postgres.hooks.postgres import PostgresHook

log = logging.getLogger(__name__)

FEED_BUCKET = "partner-feeds-inbound"


@dag(
    schedule="0 5 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["catalog", "partners"],
)
def partner_feed_xcom_fanout():
    @task
    def list_partner_files(ds=None) -> list[str]:
        keys = S3Hook(aws_conn_id="aws_catalog").list_keys(FEED_BUCKET, prefix=f"feeds/{ds}/") or []
        return [k for k in keys if k.endswith(".csv")]

    @task(map_index_template="{{ key }}")
    def load_file(key: str, bucket: str, ds=None) -> dict:
        partner = key.split("/")[2]
        body = S3Hook(aws_conn_id="aws_catalog").read_key(key, bucket_name=bucket)
        rows = list(csv.DictReader(io.StringIO(body)))
        hook = PostgresHook(postgres_conn_id="catalog_pg")
        with hook.get_conn() as conn, conn.cursor() as cur:
            cur.execute("DELETE FROM staging.partner_products WHERE feed_date = %s AND partner = %s", (ds, partner))
            cur.executemany(
                "INSERT INTO staging.partner_products (feed_date, partner, sku, title, price, stock) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                [(ds, partner, r["sku"], r["title"], r["price"], r["stock"]) for r in rows],
            )
        return {"partner": partner, "rows": len(rows)}

    @task
    def summarize(ti=None) -> int:
        files = ti.xcom_pull(task_ids="list_partner_files")
        results = ti.xcom_pull(task_ids="load_file")
        per_partner: dict[str, int] = {}
        for res in results:
            per_partner[res["partner"]] = per_partner.get(res["partner"], 0) + res["rows"]
            log.info("partner %s: %d rows", res["partner"], res["rows"])
        ti.xcom_push(key="rows_per_partner", value=per_partner)
        log.info("%d files, %d rows", len(files), sum(per_partner.values()))
        return sum(per_partner.values())

    loaded = load_file.partial(bucket=FEED_BUCKET).expand(key=list_partner_files())
    loaded >> summarize()


partner_feed_xcom_fanout()
