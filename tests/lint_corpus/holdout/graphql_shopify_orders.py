# lint-expect: RS603
# why: export_orders calls store.delete(CURSOR_KEY) at the top "so a stale cursor never leaks in", before store.get(CURSOR_KEY); every retry throws away the page cursor the previous try saved and starts over. The MERGE sink, the write-then-checkpoint order and the delete at the end are all fine.
"""Exports Shopify orders through the Admin GraphQL API into the commerce warehouse."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pendulum
import requests

from airflow.sdk import BaseHook, dag, task
from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook

log = logging.getLogger(__name__)

CURSOR_KEY = "orders_after"
ORDERS_QUERY = """
query Orders($after: String, $query: String!) {
  orders(first: 250, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { id name updatedAt totalPriceSet { shopMoney { amount currencyCode } } customer { id } }
  }
}
"""
MERGE = """
MERGE INTO commerce.shopify_orders t
USING (SELECT PARSE_JSON(%(doc)s) d) s ON t.order_gid = s.d:id::string
WHEN MATCHED THEN UPDATE SET t.doc = s.d, t.updated_at = s.d:updatedAt::timestamp_tz
WHEN NOT MATCHED THEN INSERT (order_gid, doc, updated_at) VALUES (s.d:id::string, s.d, s.d:updatedAt::timestamp_tz)
"""


class ShopifyGraphQL:
    def __init__(self, conn_id: str = "shopify_admin"):
        conn = BaseHook.get_connection(conn_id)
        self.url = f"https://{conn.host}/admin/api/2025-01/graphql.json"
        self.session = requests.Session()
        self.session.headers["X-Shopify-Access-Token"] = conn.password

    def orders(self, after: str | None, query: str) -> dict:
        resp = self.session.post(self.url, json={"query": ORDERS_QUERY, "variables": {"after": after, "query": query}},
                                 timeout=60)
        resp.raise_for_status()
        return resp.json()["data"]["orders"]


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=True,
    max_active_runs=2,
    default_args={"retries": 4, "retry_delay": timedelta(minutes=2)},
    tags=["commerce", "shopify", "graphql"],
)
def graphql_shopify_orders():
    @task
    def export_orders(**context) -> int:
        store = context["task_state_store"]
        store.delete(CURSOR_KEY)  # start clean: never resume from a cursor some other code left behind
        after = store.get(CURSOR_KEY)

        api = ShopifyGraphQL()
        sf = SnowflakeHook(snowflake_conn_id="snowflake_commerce")
        window = f"updated_at:>='{context['data_interval_start'].isoformat()}' " \
                 f"updated_at:<'{context['data_interval_end'].isoformat()}'"
        exported = 0
        while True:
            page = api.orders(after, window)
            for node in page["nodes"]:
                sf.run(MERGE, parameters={"doc": json.dumps(node)})
            exported += len(page["nodes"])
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
            store.set(CURSOR_KEY, after)
        store.delete(CURSOR_KEY)
        return exported

    export_orders()


graphql_shopify_orders()
