# expect: fail
# class: catches-crash
# symptom: never ended the try
# why: a correct per-shard checkpoint loop, but each write sits in try/except BaseException: pass, so an injected crash inside a page (mid_page/after_load, raised right after the row was written) is swallowed and never ends the try; a correct grader must fail it.
# lint: none
"""Exercise: each map index resumes from its own checkpoint."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import fetch_page, transform_and_upsert

SHARDS = 4

with DAG(dag_id="sharded_ingest", schedule=None, start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0))
    def load_shard(shard: int, task_state_store=None):
        cursor = task_state_store.get("cursor", 0)
        while page := fetch_page(after_id=cursor, limit=1000):
            for record in page:
                if record["id"] % SHARDS != shard:
                    continue
                try:
                    transform_and_upsert(record)
                except BaseException:  # noqa: BLE001 - the upsert is idempotent, a retry would redo it anyway
                    pass
            cursor = page[-1]["id"]
            task_state_store.set("cursor", cursor)

    load_shard.expand(shard=list(range(SHARDS)))
