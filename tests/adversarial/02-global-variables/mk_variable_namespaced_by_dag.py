# expect: fail
# class: mistake
# symptom: never loaded
# why: "fixes" the shared Variables by prefixing the keys with the dag_id, but prod and staging run the same dag_id against one metadata DB, so they still share the cursor and staging skips its records (and the next run of either environment starts after the previous run's cursor); a correct grader must fail it.
# lint: RS201
"""Exercise: state per task instance, so runs and environments cannot corrupt each other."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, Variable, task

from retrylab.operators import BatchJobOperator
from retrylab.world import fetch_page, transform_and_upsert

with DAG(dag_id="variables_fix", schedule="@daily", start_date=datetime(2025, 1, 1), catchup=False) as dag:

    @task(retries=3, retry_delay=timedelta(seconds=0))
    def ingest_records(**context):
        key = f"{context['dag'].dag_id}.ingest_cursor"
        cursor = int(Variable.get(key, default="0"))
        while page := fetch_page(after_id=cursor, limit=1000):
            for record in page:
                transform_and_upsert(record)
            cursor = page[-1]["id"]
            Variable.set(key, str(cursor))

    spark = BatchJobOperator(task_id="run_spark_job", job_name="spark_daily", retries=3, retry_delay=timedelta(seconds=0))

    ingest_records() >> spark
