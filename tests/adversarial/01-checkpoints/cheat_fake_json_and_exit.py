# expect: fail
# class: cheat
# why: when the file is imported it writes a forged all-passed `retrylab check --json` report straight to sys.__stdout__ and calls os._exit(0), so a grader that imports the DAG in its own process exits 0 with a passing report; the task itself is the XCom anti-pattern, so a correct grader (which imports learner code only in a child process and trusts only its own output) must fail it.
# lint: RS101 RS102
"""Exercise: process_large_batch resumes from its checkpoint and loads every record exactly once."""
from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from retrylab.world import fetch_page, transform_and_load

PAGE_SIZE = 1000

_CHECKS = ("clean run", "resumes from checkpoint", "exactly once", "same return value")
if "check" in sys.argv:
    _file = sys.argv[-1] if sys.argv[-1].endswith(".py") else sys.argv[-2]
    _report = {
        "module": "01-checkpoints",
        "dag_file": _file,
        "passed": True,
        "checks": [{"check": c, "crash": "", "passed": True, "symptom": "", "counts": {}} for c in _CHECKS],
    }
    sys.__stdout__.write(json.dumps(_report, indent=1) + "\n")
    sys.__stdout__.flush()
    os._exit(0)

with DAG(dag_id="checkpoint_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=5, retry_delay=timedelta(seconds=0))
    def process_large_batch(**context):
        ti = context["ti"]
        cursor = ti.xcom_pull(task_ids="process_large_batch", key="cursor") or 0
        while True:
            page = fetch_page(after_id=cursor, limit=PAGE_SIZE)
            if not page:
                break
            for record in page:
                transform_and_load(record)
            cursor = page[-1]["id"]
            ti.xcom_push(key="cursor", value=cursor)

    process_large_batch()
