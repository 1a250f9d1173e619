# expect: fail
# class: process-state
# symptom: already loaded
# why: keeps each shard's cursor in a class attribute dict keyed by (run_id, shard) instead of task_state_store; every retry under dag.test() shares the process and resumes, but a retry on a real worker is a new process and starts again from id 0, so a correct grader must fail it for redoing finished pages.
# lint: RS501
"""Exercise: each map index resumes from its own checkpoint."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import fetch_page, transform_and_upsert

SHARDS = 4


class Checkpoints:
    """Where each shard got to, per DAG run."""

    _by_run_and_shard: dict[tuple[str, int], int] = {}

    @classmethod
    def get(cls, run_id: str, shard: int) -> int:
        return cls._by_run_and_shard.get((run_id, shard), 0)

    @classmethod
    def put(cls, run_id: str, shard: int, cursor: int) -> None:
        cls._by_run_and_shard[(run_id, shard)] = cursor


with DAG(dag_id="sharded_ingest", schedule=None, start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0))
    def load_shard(shard: int, task_state_store=None, run_id=None):
        cursor = Checkpoints.get(run_id, shard)
        while page := fetch_page(after_id=cursor, limit=1000):
            for record in page:
                if record["id"] % SHARDS == shard:
                    transform_and_upsert(record)
            cursor = page[-1]["id"]
            Checkpoints.put(run_id, shard, cursor)

    load_shard.expand(shard=list(range(SHARDS)))
