# lint-expect: none
# why: the erasure task keeps the request ids it has finished in task_state_store (a JSON list, set after each idempotent DELETE) and calls task_state_store.clear() only at the end, once every request is done, so a retry keeps what the failed try finished. clear() with no arguments exists on 3.3.
"""GDPR right-to-erasure: delete each requested user from every PII table."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.sdk import DAG, task

PII_TABLES = ["crm.contacts", "support.tickets", "billing.customers", "marketing.subscribers"]

with DAG(
    dag_id="gdpr_erasure",
    schedule="0 22 * * *",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 5, "retry_delay": timedelta(minutes=2)},
    tags=["compliance"],
) as dag:

    @task
    def erase_users(task_state_store=None):
        pg = PostgresHook(postgres_conn_id="app_pg")
        requests_due = pg.get_records(
            "SELECT request_id, user_id FROM compliance.erasure_requests WHERE status = 'approved' ORDER BY request_id"
        )
        done = set(task_state_store.get("done_requests", []))
        for request_id, user_id in requests_due:
            if request_id in done:
                continue
            with pg.get_conn() as conn, conn.cursor() as cur:
                for table in PII_TABLES:
                    cur.execute(f"DELETE FROM {table} WHERE user_id = %s", (user_id,))
                cur.execute("UPDATE compliance.erasure_requests SET status = 'done' WHERE request_id = %s",
                            (request_id,))
            done.add(request_id)
            task_state_store.set("done_requests", sorted(done))
        task_state_store.clear()
        return len(done)

    erase_users()
