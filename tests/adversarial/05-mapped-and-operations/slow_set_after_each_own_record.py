# expect: pass
# class: slow-but-correct
# why: checkpoints after every record it writes (and after each page), hundreds of set() calls per map index; slow but correct and finite, so a correct grader must pass it.
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
                    task_state_store.set("cursor", record["id"])
            cursor = page[-1]["id"]
            task_state_store.set("cursor", cursor)

    load_shard.expand(shard=list(range(SHARDS)))
