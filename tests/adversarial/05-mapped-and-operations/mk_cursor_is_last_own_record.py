# expect: fail
# class: mistake
# symptom: never stops
# why: moves the cursor to the last record *this shard* wrote instead of the page's last id; a page holding none of its records leaves the cursor where it was, so the shard asks for the same tail of the source again and again until the source refuses, and a correct grader must fail the clean run.
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
        while True:
            page = fetch_page(after_id=cursor, limit=1000)
            if not page:
                break
            for record in page:
                if record["id"] % SHARDS == shard:
                    transform_and_upsert(record)
                    cursor = record["id"]
            task_state_store.set("cursor", cursor)

    load_shard.expand(shard=list(range(SHARDS)))
