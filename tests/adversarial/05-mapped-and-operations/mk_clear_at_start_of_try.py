# expect: fail
# class: mistake
# symptom: already loaded
# why: calls task_state_store.clear() at the start of every try "to start from a clean slate", which throws away the checkpoint the crashed try left; with the upsert nothing is duplicated, but every retry redoes pages an earlier try finished, so a correct grader must fail it for not resuming.
# lint: RS603
"""Exercise: each map index resumes from its own checkpoint."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import fetch_page, transform_and_upsert

SHARDS = 4

with DAG(dag_id="sharded_ingest", schedule=None, start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0))
    def load_shard(shard: int, task_state_store=None):
        task_state_store.clear()  # start clean
        cursor = task_state_store.get("cursor", 0)
        while page := fetch_page(after_id=cursor, limit=1000):
            for record in page:
                if record["id"] % SHARDS == shard:
                    transform_and_upsert(record)
            cursor = page[-1]["id"]
            task_state_store.set("cursor", cursor)

    load_shard.expand(shard=list(range(SHARDS)))
