# lint-expect: RS704
# why: the async task calls await task_state_store.aget(...) and await task_state_store.aset(...); the 3.3 TaskStateStoreAccessor has only get/set/delete/clear (aget/aset arrive in 3.4), so every try fails with AttributeError. The upsert sink is fine.
"""Async ingest of web analytics events with httpx + asyncpg."""
from __future__ import annotations

from datetime import timedelta

import asyncpg
import httpx
import pendulum
from airflow.sdk import Variable, dag, task

UPSERT = """
INSERT INTO raw.web_events (event_id, session_id, url, ts)
VALUES ($1, $2, $3, $4)
ON CONFLICT (event_id) DO UPDATE SET session_id = EXCLUDED.session_id, url = EXCLUDED.url, ts = EXCLUDED.ts
"""


@dag(schedule="*/20 * * * *", start_date=pendulum.datetime(2025, 5, 1, tz="UTC"), catchup=False,
     default_args={"retries": 3, "retry_delay": timedelta(seconds=20)})
def web_events_async():
    @task
    async def ingest(data_interval_start=None, task_state_store=None):
        cfg = Variable.get("web_events", deserialize_json=True)
        page = await task_state_store.aget("page", 1)
        pg = await asyncpg.connect(cfg["dsn"])
        try:
            async with httpx.AsyncClient(base_url=cfg["api"], timeout=30) as client:
                while True:
                    r = await client.get("/events", params={"since": data_interval_start.isoformat(), "page": page})
                    r.raise_for_status()
                    events = r.json()["data"]
                    if not events:
                        break
                    await pg.executemany(UPSERT, [(e["id"], e["session"], e["url"], e["ts"]) for e in events])
                    page += 1
                    await task_state_store.aset("page", page)
        finally:
            await pg.close()

    ingest()


web_events_async()
