# lint-expect: RS101 RS201 RS301 RS401
# why: the batch job id is pulled back from the task's own XCom (cleared at each try), so a retry after a crash submits a second batch job (RS401); the watermark is a Variable the task reads and writes; it is set from datetime.utcnow(), not from what was loaded.
# The seed's DAG as users paste it (AIP-103 skill PR, astronomer/agents#222); helpers left undefined.
from __future__ import annotations

from datetime import datetime

from airflow.models import Variable
from airflow.sdk import DAG, Asset, task

ORDERS = Asset(name="orders/daily", uri="s3://warehouse/orders/daily")

with DAG(
    dag_id="antipattern_xcom_watermark",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
):

    @task(retries=3, outlets=[ORDERS])
    def load_orders(**context):
        ti = context["ti"]

        job_id = ti.xcom_pull(task_ids="load_orders", key="batch_job_id")
        if job_id is None:
            job_id = batch_client.submit(...)
            ti.xcom_push(key="batch_job_id", value=job_id)
        batch_client.wait(job_id)

        watermark = Variable.get("orders_watermark", default_var="2024-01-01")
        records = fetch_since(watermark)
        load_to_warehouse(records)
        Variable.set("orders_watermark", datetime.utcnow().isoformat())

    load_orders()
