# lint-expect: RS704
# why: the async task resumes through await task_state_store.aget("pg_after_id") and checkpoints with await task_state_store.aset(...); the task state accessor has no async methods on 3.3 (AttributeError on every try). The same calls on asset_state_store (aget/aset of the watermark) are valid on 3.3, the watermark comes from the rows indexed, and the bulk index is idempotent by _id.
"""Re-indexes products changed since the last run into the storefront OpenSearch index."""

from __future__ import annotations

import logging
from datetime import timedelta

import pendulum
from opensearchpy import AsyncOpenSearch
from opensearchpy.helpers import async_bulk

from airflow.sdk import Asset, BaseHook, dag, task
from airflow.providers.postgres.hooks.postgres import PostgresHook

log = logging.getLogger(__name__)

PRODUCTS_INDEX = Asset("opensearch://search-prod/products_v7")
PAGE = 1_000


def _doc(row: tuple) -> dict:
    product_id, sku, title, brand, price_cents, in_stock, updated_at = row
    return {
        "_index": "products_v7",
        "_id": str(product_id),
        "_source": {"sku": sku, "title": title, "brand": brand, "price": price_cents / 100,
                    "in_stock": in_stock, "updated_at": updated_at.isoformat()},
    }


@dag(
    schedule=timedelta(minutes=20),
    start_date=pendulum.datetime(2025, 5, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=1)},
    tags=["search", "opensearch"],
)
def search_index_async_reindex():
    @task(outlets=[PRODUCTS_INDEX])
    async def reindex_changed_products(task_state_store=None, asset_state_store=None) -> int:
        since = await asset_state_store.aget("products_updated_at", "1970-01-01T00:00:00+00:00")
        after_id = await task_state_store.aget("pg_after_id", 0)

        conn = BaseHook.get_connection("opensearch_storefront")
        client = AsyncOpenSearch(hosts=[conn.host], http_auth=(conn.login, conn.password), use_ssl=True)
        pg = PostgresHook(postgres_conn_id="catalog_replica")
        indexed, newest = 0, since
        try:
            while True:
                rows = pg.get_records(
                    """
                    SELECT product_id, sku, title, brand, price_cents, in_stock, updated_at
                    FROM catalog.products
                    WHERE updated_at > %s AND product_id > %s
                    ORDER BY product_id LIMIT %s
                    """,
                    parameters=(since, after_id, PAGE),
                )
                if not rows:
                    break
                await async_bulk(client, [_doc(r) for r in rows], refresh=False)
                after_id = rows[-1][0]
                newest = max(newest, max(r[6].isoformat() for r in rows))
                indexed += len(rows)
                await task_state_store.aset("pg_after_id", after_id)
        finally:
            await client.close()

        await asset_state_store.aset("products_updated_at", newest)
        log.info("re-indexed %d products, watermark now %s", indexed, newest)
        return indexed

    reindex_changed_products()


search_index_async_reindex()
