# expect: fail
# class: catches-crash
# symptom: never ended the try
# why: wraps each write in try/except Exception and logs-and-continues, so an injected mid_page/after_load crash (raised right after the row was written) never ends the try; the warehouse even looks right, but the crash-equivalence test never happened and a worker death would not be survivable this way, so a correct grader must fail it.
# lint: none
"""Exercise: process_large_batch resumes from its checkpoint and loads every record exactly once."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import fetch_page, transform_and_upsert

PAGE_SIZE = 1000
log = logging.getLogger(__name__)

with DAG(dag_id="checkpoint_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=5, retry_delay=timedelta(seconds=0))
    def process_large_batch(task_state_store=None):
        cursor = task_state_store.get("cursor", 0)
        while True:
            page = fetch_page(after_id=cursor, limit=PAGE_SIZE)
            if not page:
                break
            for record in page:
                try:
                    transform_and_upsert(record)
                except Exception:  # be robust: one bad record must not kill the batch
                    log.exception("could not load record %s, carrying on", record["id"])
            cursor = page[-1]["id"]
            task_state_store.set("cursor", cursor)

    process_large_batch()
