# lint-expect: RS201
# why: the cursor and the Spark job id are Variables the tasks read back and write: one global value for every run and environment.
# The seed's DAG as users paste it (AIP-103 skill PR, astronomer/agents#222); helpers left undefined.
from __future__ import annotations

from datetime import datetime

from airflow.models import Variable
from airflow.sdk import DAG, task

with DAG(
    dag_id="antipattern_variables",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
):

    @task(retries=3)
    def ingest_records():
        cursor = Variable.get("ingest_cursor", default_var="0")
        records = fetch_records_after(cursor)
        for record in records:
            process(record)
            cursor = record["id"]
            Variable.set("ingest_cursor", cursor)

    @task(retries=3)
    def run_spark_job():
        job_id = Variable.get("spark_job_id", default_var=None)
        if job_id:
            status = spark_client.get_status(job_id)
            if status == "RUNNING":
                spark_client.wait(job_id)
                return
        job_id = spark_client.submit(...)
        Variable.set("spark_job_id", job_id)
        spark_client.wait(job_id)

    ingest_records() >> run_spark_job()
