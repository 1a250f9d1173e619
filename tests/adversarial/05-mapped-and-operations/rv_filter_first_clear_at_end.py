# expect: pass
# class: right-variant
# why: filters the page down to its own shard before writing, checkpoints page[-1]["id"] after every page (even pages with none of its records), and clear()s its own map index's state once the source is exhausted (clear() touches only the calling index); each shard resumes from its own cursor and loads its records once, so a correct grader must pass it.
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
            mine = [record for record in page if record["id"] % SHARDS == shard]
            for record in mine:
                transform_and_upsert(record)
            cursor = page[-1]["id"]
            task_state_store.set("cursor", cursor)
        task_state_store.clear()

    load_shard.expand(shard=list(range(SHARDS)))
