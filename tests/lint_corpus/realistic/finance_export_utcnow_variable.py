# lint-expect: RS201 RS301
# why: the task reads "finance_export_last_run" with Variable.get as the lower bound of its query and, after the export, writes it back with Variable.set(..., datetime.utcnow().isoformat()): a global progress Variable (RS201) whose watermark comes from the wall clock, not from the exported rows (RS301).
"""Export changed invoices to the finance team's SFTP drop as CSV."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.providers.sftp.hooks.sftp import SFTPHook
from airflow.sdk import DAG, Variable, task

WATERMARK_KEY = "finance_export_last_run"

with DAG(
    dag_id="finance_invoice_export",
    schedule="0 * * * *",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["export", "finance"],
) as dag:

    @task
    def export_changed_invoices(run_id=None):
        since = Variable.get(WATERMARK_KEY, default="2025-01-01T00:00:00")
        rows = PostgresHook(postgres_conn_id="billing").get_records(
            "SELECT invoice_id, customer_id, amount_cents, currency, updated_at "
            "FROM invoices WHERE updated_at > %s ORDER BY updated_at",
            parameters=(since,),
        )
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(["invoice_id", "customer_id", "amount_cents", "currency", "updated_at"])
        writer.writerows(rows)

        sftp = SFTPHook(ssh_conn_id="finance_sftp")
        with sftp.get_conn() as client:
            with client.open(f"/inbound/invoices_{run_id}.csv", "w") as fh:
                fh.write(buf.getvalue())

        Variable.set(WATERMARK_KEY, datetime.utcnow().isoformat())
        return len(rows)

    export_changed_invoices()
