# expect: fail
# class: mistake
# symptom: never loaded
# why: keeps one cursor for all map indices in a single Airflow Variable ("sharded_ingest_cursor"); the shards overwrite each other's position (and the next run inherits it), so some shards start past records they never loaded, and a correct grader must fail it.
# lint: RS201
"""Exercise: each map index resumes from its own checkpoint."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import fetch_page, transform_and_upsert

SHARDS = 4

with DAG(dag_id="sharded_ingest", schedule=None, start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0))
    def load_shard(shard: int):
        from airflow.sdk import Variable

        cursor = int(Variable.get("sharded_ingest_cursor", default="0"))
        while page := fetch_page(after_id=cursor, limit=1000):
            for record in page:
                if record["id"] % SHARDS == shard:
                    transform_and_upsert(record)
            cursor = page[-1]["id"]
            Variable.set("sharded_ingest_cursor", str(cursor))

    load_shard.expand(shard=list(range(SHARDS)))
