# lint-expect: RS602
# why: each mapped task resumes from task_state_store "rows_done" and moves it after each chunk, in the right order, but the chunk is written with DataFrame.to_sql(if_exists="append"): a crash after to_sql and before set writes that chunk twice on retry.
"""Re-aggregate raw parquet partitions into Postgres, one mapped task per day."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pendulum
import pyarrow.parquet as pq
import s3fs
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.sdk import dag, task

CHUNK = 50_000


@dag(schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False,
     default_args={"retries": 3, "retry_delay": timedelta(minutes=1)}, tags=["fanout"])
def daily_partitions_to_pg():
    @task
    def list_partitions(ds=None) -> list[str]:
        day = pendulum.parse(ds)
        return [day.subtract(days=i).to_date_string() for i in range(3)]

    @task(max_active_tis_per_dag=4)
    def load_partition(partition: str, task_state_store=None):
        fs = s3fs.S3FileSystem()
        table = pq.read_table(f"s3://acme-lake/events/dt={partition}/", filesystem=fs)
        df: pd.DataFrame = table.to_pandas()

        engine = PostgresHook(postgres_conn_id="reporting_pg").get_sqlalchemy_engine()
        done = task_state_store.get("rows_done", 0)
        for start in range(done, len(df), CHUNK):
            chunk = df.iloc[start:start + CHUNK]
            chunk.to_sql("events_daily", engine, schema="reporting", if_exists="append", index=False)
            task_state_store.set("rows_done", start + len(chunk))
        return len(df)

    load_partition.expand(partition=list_partitions())


daily_partitions_to_pg()
