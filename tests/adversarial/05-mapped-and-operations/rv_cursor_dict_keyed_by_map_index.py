# expect: pass
# class: right-variant
# why: the learner believes the store is shared by all shards, so it keeps a dict of cursors keyed by the map index (read from the context's ti) under one key; since each map index has its own namespace the dict only ever holds its own entry, which is harmless: every shard resumes from its own cursor and loads its records once, so a correct grader must pass it.
# lint: none
"""Exercise: each map index resumes from its own checkpoint."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import fetch_page, transform_and_upsert

SHARDS = 4

with DAG(dag_id="sharded_ingest", schedule=None, start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0))
    def load_shard(shard: int, **context):
        store = context["task_state_store"]
        me = str(context["ti"].map_index)
        cursors = store.get("cursors", {})
        cursor = cursors.get(me, 0)
        while True:
            page = fetch_page(after_id=cursor, limit=1000)
            if not page:
                break
            for record in page:
                if record["id"] % SHARDS != shard:
                    continue
                transform_and_upsert(record)
            cursor = page[-1]["id"]
            cursors[me] = cursor
            store.set("cursors", cursors)
        return len(cursors)

    load_shard.expand(shard=list(range(SHARDS)))
