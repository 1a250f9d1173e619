# lint-expect: none
# why: both jobs go through provider operators with deferrable=True: the worker submits, hands the run id to the triggerer and frees its slot, and the operator reconnects in execute_complete, so there is no submit-and-poll loop in a task of ours. No Variable, XCom or state store is touched.
"""Weekly ML training on Databricks followed by a Glue export of the scores."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
from airflow.providers.databricks.operators.databricks import DatabricksRunNowOperator
from airflow.sdk import DAG

with DAG(
    dag_id="churn_model_weekly",
    schedule="0 4 * * SUN",
    start_date=datetime(2025, 1, 5),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["ml", "databricks", "glue"],
) as dag:
    train = DatabricksRunNowOperator(
        task_id="train_churn_model",
        databricks_conn_id="databricks_ml",
        job_id=55120,
        job_parameters={"training_date": "{{ ds }}"},
        deferrable=True,
        polling_period_seconds=60,
    )

    export_scores = GlueJobOperator(
        task_id="export_scores",
        job_name="churn-scores-to-crm",
        script_args={"--scores_date": "{{ ds }}"},
        aws_conn_id="aws_default",
        region_name="eu-west-1",
        deferrable=True,
        wait_for_completion=True,
    )

    train >> export_scores
