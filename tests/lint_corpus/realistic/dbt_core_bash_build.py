# lint-expect: none
# why: dbt Core runs in the worker through BashOperator (no external job id to lose: a retry re-runs dbt, whose incremental models MERGE on unique_key), and the Variables are only read through Jinja ({{ var.value.dbt_target }}) as configuration.
"""dbt Core build of the marketing models, then docs upload."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

DBT_DIR = "/opt/airflow/dbt/marketing"

with DAG(
    dag_id="dbt_marketing_build",
    schedule="30 6 * * *",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["dbt"],
) as dag:
    deps = BashOperator(task_id="dbt_deps", bash_command=f"cd {DBT_DIR} && dbt deps")

    build = BashOperator(
        task_id="dbt_build",
        bash_command=(
            f"cd {DBT_DIR} && dbt build --target {{{{ var.value.dbt_target }}}} "
            "--select tag:marketing --vars '{\"run_date\": \"{{ ds }}\"}'"
        ),
        env={"DBT_PROFILES_DIR": DBT_DIR},
        append_env=True,
    )

    docs = BashOperator(
        task_id="upload_docs",
        bash_command=f"cd {DBT_DIR} && dbt docs generate && aws s3 sync target/ s3://acme-dbt-docs/marketing/",
    )

    deps >> build >> docs
