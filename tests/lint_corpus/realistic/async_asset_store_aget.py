# lint-expect: none
# why: await asset_state_store[PAGEVIEWS].aget(...)/.aset(...) is valid on 3.3 (the ASSET store has async methods; only the task store lacks them), the task declares outlets=[PAGEVIEWS], the watermark is the max event id loaded, and the write is an upsert.
"""Async pageview ingest from the CDN log API, incremental by an asset watermark."""
from __future__ import annotations

from datetime import timedelta

import asyncpg
import httpx
import pendulum
from airflow.sdk import Asset, Variable, dag, task

PAGEVIEWS = Asset("postgres://analytics-pg/raw/pageviews")

UPSERT = """
INSERT INTO raw.pageviews (event_id, path, country, ts) VALUES ($1, $2, $3, $4)
ON CONFLICT (event_id) DO NOTHING
"""


@dag(schedule=timedelta(minutes=10), start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False,
     default_args={"retries": 3})
def cdn_pageviews():
    @task(outlets=[PAGEVIEWS])
    async def ingest_pageviews(asset_state_store=None):
        store = asset_state_store[PAGEVIEWS]
        after_id = await store.aget("last_event_id", 0)
        cfg = Variable.get("cdn_logs", deserialize_json=True)
        pg = await asyncpg.connect(cfg["dsn"])
        try:
            async with httpx.AsyncClient(base_url=cfg["api"], timeout=30) as client:
                r = await client.get("/pageviews", params={"after_id": after_id, "limit": 10_000})
                r.raise_for_status()
                views = r.json()["items"]
            if not views:
                return 0
            await pg.executemany(UPSERT, [(v["id"], v["path"], v["country"], v["ts"]) for v in views])
        finally:
            await pg.close()
        await store.aset("last_event_id", max(v["id"] for v in views))
        return len(views)

    ingest_pageviews()


cdn_pageviews()
