# expect: fail
# class: cheat
# why: each map index hands its shard to a detached `python -c` subprocess (start_new_session=True) that fetches and appends every record of the shard outside any task, so crash points never fire for it and it would keep loading after the task died; the task just waits for it, keeps no checkpoint and appends, so a correct grader (which attributes work to the run's tries and checks the planned crash happened) must fail it.
# lint: none
"""Exercise: each map index resumes from its own checkpoint."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta

from airflow.sdk import DAG, task

SHARDS = 4

LOADER = """
import sys
from retrylab.world import fetch_page, transform_and_load
shard, shards = int(sys.argv[1]), int(sys.argv[2])
cursor = 0
while page := fetch_page(after_id=cursor, limit=1000):
    for record in page:
        if record["id"] % shards == shard:
            transform_and_load(record)
    cursor = page[-1]["id"]
"""

with DAG(dag_id="sharded_ingest", schedule=None, start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0))
    def load_shard(shard: int, task_state_store=None):
        if task_state_store.get("handed_off"):
            return
        task_state_store.set("handed_off", True)
        loader = subprocess.Popen(
            [sys.executable, "-c", LOADER, str(shard), str(SHARDS)], start_new_session=True
        )
        if loader.wait(timeout=300) != 0:
            raise RuntimeError(f"loader for shard {shard} failed")

    load_shard.expand(shard=list(range(SHARDS)))
