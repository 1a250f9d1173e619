# expect: fail
# class: bad-input
# symptom: endless loop
# why: the learner replaced the placeholder with `while True: pass` ("I will fill this in later") ahead of the real loop, so every map index spins forever without calling the source; a correct grader must stop it with a time limit and fail it with a clear timeout message, not hang.
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
        while True:
            pass  # TODO
        cursor = task_state_store.get("cursor", 0)
        while page := fetch_page(after_id=cursor, limit=1000):
            for record in page:
                if record["id"] % SHARDS == shard:
                    transform_and_upsert(record)
            cursor = page[-1]["id"]
            task_state_store.set("cursor", cursor)

    load_shard.expand(shard=list(range(SHARDS)))
