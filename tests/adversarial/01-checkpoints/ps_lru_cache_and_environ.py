# expect: fail
# class: process-state
# symptom: already loaded
# why: remembers the cursor in os.environ (one variable per run) behind an functools.lru_cache'd key builder and never touches task_state_store; environment variables die with the worker process, so on a real worker the retry starts from id 0 and redoes finished pages; a correct grader must fail it.
# lint: RS501
"""Exercise: process_large_batch resumes from its checkpoint and loads every record exactly once."""
from __future__ import annotations

import functools
import os
from datetime import datetime, timedelta

from airflow.sdk import DAG, get_current_context, task

from retrylab.world import fetch_page, transform_and_upsert

PAGE_SIZE = 1000


@functools.lru_cache(maxsize=None)
def cursor_var(run_id: str) -> str:
    return "CHECKPOINT_" + "".join(c if c.isalnum() else "_" for c in run_id).upper()


with DAG(dag_id="checkpoint_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=5, retry_delay=timedelta(seconds=0))
    def process_large_batch(task_state_store=None):
        var = cursor_var(get_current_context()["run_id"])
        cursor = int(os.environ.get(var, "0"))
        while True:
            page = fetch_page(after_id=cursor, limit=PAGE_SIZE)
            if not page:
                break
            for record in page:
                transform_and_upsert(record)
            cursor = page[-1]["id"]
            os.environ[var] = str(cursor)

    process_large_batch()
