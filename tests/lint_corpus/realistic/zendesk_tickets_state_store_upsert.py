# lint-expect: none
# why: the textbook checkpoint: task_state_store.get the cursor at the start, write each page with INSERT ... ON CONFLICT (id) DO UPDATE (an upsert despite the word INSERT), then task_state_store.set the next cursor after the commit, with a timedelta retention. A crash between write and set only rewrites the same rows.
"""Zendesk incremental ticket export -> Postgres, crash-safe with the task state store."""
from __future__ import annotations

from datetime import timedelta

import pendulum
import requests
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.sdk import Variable, dag, task

UPSERT = """
INSERT INTO support.zendesk_tickets (id, status, priority, subject, updated_at)
VALUES (%(id)s, %(status)s, %(priority)s, %(subject)s, %(updated_at)s)
ON CONFLICT (id) DO UPDATE
   SET status = EXCLUDED.status, priority = EXCLUDED.priority,
       subject = EXCLUDED.subject, updated_at = EXCLUDED.updated_at
"""


@dag(schedule="@hourly", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False,
     default_args={"retries": 5, "retry_delay": timedelta(seconds=30)}, tags=["support"])
def zendesk_tickets():
    @task
    def export_tickets(data_interval_start=None, task_state_store=None):
        creds = Variable.get("zendesk", deserialize_json=True)
        pg = PostgresHook(postgres_conn_id="support_pg")
        url = task_state_store.get("next_page") or (
            f"https://{creds['subdomain']}.zendesk.com/api/v2/incremental/tickets/cursor.json"
            f"?start_time={int(data_interval_start.timestamp())}"
        )
        while True:
            r = requests.get(url, auth=(f"{creds['email']}/token", creds["token"]), timeout=60)
            r.raise_for_status()
            body = r.json()
            with pg.get_conn() as conn, conn.cursor() as cur:
                cur.executemany(UPSERT, body["tickets"])
            if body["end_of_stream"]:
                break
            url = body["after_url"]
            task_state_store.set("next_page", url, retention=timedelta(days=2))

    export_tickets()


zendesk_tickets()
