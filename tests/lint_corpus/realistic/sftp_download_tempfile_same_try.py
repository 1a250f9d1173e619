# lint-expect: none
# why: the /tmp file (its name made unique with datetime.now(), which is only a filename here) is written by the download and read back by the upload in the same try, then removed in finally; it is data for this try, never progress read at the start of a task, so a retry on another worker simply downloads again. The load replaces the day's partition.
"""Bank statement files: SFTP -> local temp -> S3 -> Postgres partition."""
from __future__ import annotations

import csv
import os
from datetime import datetime, timedelta

import boto3
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.providers.sftp.hooks.sftp import SFTPHook
from airflow.sdk import DAG, task

with DAG(
    dag_id="bank_statements",
    schedule="0 6 * * *",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=15)},
) as dag:

    @task
    def fetch_and_load(ds_nodash=None, ds=None):
        local_path = f"/tmp/bank_statement_{ds_nodash}_{datetime.now():%H%M%S%f}.csv"
        try:
            SFTPHook(ssh_conn_id="bank_sftp").retrieve_file(f"/outbound/STMT_{ds_nodash}.csv", local_path)
            boto3.client("s3").upload_file(local_path, "acme-finance-raw", f"bank/statements/{ds}.csv")
            with open(local_path, newline="") as fh:
                rows = [(ds, r["account"], r["booking_date"], r["amount"], r["reference"]) for r in csv.DictReader(fh)]
            pg = PostgresHook(postgres_conn_id="finance_pg")
            with pg.get_conn() as conn, conn.cursor() as cur:
                cur.execute("DELETE FROM bank.statement_lines WHERE file_date = %s", (ds,))
                cur.executemany(
                    "INSERT INTO bank.statement_lines (file_date, account, booking_date, amount, reference) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    rows,
                )
            return len(rows)
        finally:
            if os.path.exists(local_path):
                os.remove(local_path)

    fetch_and_load()
