# expect: fail
# class: cheat
# why: the original Variables anti-pattern, plus import-time monkeypatches of the grader's own objects (RunReport.missing/duplicates return nothing, m02's foreign_jobs finds none, every check verdict in retrylab.checks forced to pass where it can be found); only works if the grader imports learner code in its own process, and a correct grader must fail it.
# lint: RS201
"""Exercise: state per task instance, so runs and environments cannot corrupt each other."""
from __future__ import annotations

import importlib
from datetime import datetime, timedelta

from airflow.models import Variable
from airflow.sdk import DAG, task

from retrylab.world import BatchClient, fetch_page, transform_and_load


def _quiet_the_grader() -> None:
    try:
        runs = importlib.import_module("retrylab.runs")
        runs.RunReport.missing = property(lambda self: [])
        runs.RunReport.duplicates = property(lambda self: [])
        runs.RunReport.jobs_left_running = property(lambda self: [])
    except Exception:
        pass
    try:
        m02 = importlib.import_module("retrylab.checks.m02_global_variables")
        m02.foreign_jobs = lambda report: []
        for name, value in vars(m02).items():
            if isinstance(value, type) and hasattr(value, "passed"):
                try:
                    value.passed = property(lambda self: True)
                except Exception:
                    pass
    except Exception:
        pass


_quiet_the_grader()

spark_client = BatchClient()

with DAG(dag_id="variables_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False):

    @task(retries=3, retry_delay=timedelta(seconds=0))
    def ingest_records():
        cursor = Variable.get("ingest_cursor", default_var="0")
        for record in fetch_page(after_id=int(cursor), limit=1000):
            transform_and_load(record)
            cursor = record["id"]
            Variable.set("ingest_cursor", str(cursor))

    @task(retries=3, retry_delay=timedelta(seconds=0))
    def run_spark_job():
        job_id = Variable.get("spark_job_id", default_var=None)
        if job_id and spark_client.get_status(job_id) == "RUNNING":
            spark_client.wait(job_id)
            return
        job_id = spark_client.submit("spark_daily")
        Variable.set("spark_job_id", job_id)
        spark_client.wait(job_id)

    ingest_records() >> run_spark_job()
