# lint-expect: RS101 RS102
# why: fetch_tickets pushes next_cursor with ti.xcom_push inside the page loop (RS102) and resumes from ti.xcom_pull(key="next_cursor") with no task_ids, i.e. its own XCom, which Airflow 3 clears at the start of every try (RS101). The MERGE sink is fine.
"""Pull support tickets from the Freshdesk-style REST API into Snowflake, page by page."""
from __future__ import annotations

from datetime import timedelta

import requests
from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook
from airflow.sdk import Variable, dag, task

API_BASE = "https://support.example.com/api/v2"
PAGE_SIZE = 100


def _merge_tickets(hook: SnowflakeHook, tickets: list[dict]) -> None:
    rows = [(t["id"], t["status"], t["subject"], t["updated_at"]) for t in tickets]
    hook.run(
        """
        MERGE INTO raw.support_tickets AS t
        USING (SELECT column1 AS id, column2 AS status, column3 AS subject, column4 AS updated_at
               FROM VALUES (%s, %s, %s, %s)) AS s
        ON t.id = s.id
        WHEN MATCHED THEN UPDATE SET status = s.status, subject = s.subject, updated_at = s.updated_at
        WHEN NOT MATCHED THEN INSERT (id, status, subject, updated_at)
             VALUES (s.id, s.status, s.subject, s.updated_at)
        """,
        parameters=rows,
        split_statements=False,
    )


@dag(
    schedule="@hourly",
    catchup=False,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=2)},
    tags=["ingest", "support"],
)
def support_tickets_ingest():
    @task
    def fetch_tickets(ti=None, data_interval_start=None):
        token = Variable.get("support_api_token")
        hook = SnowflakeHook(snowflake_conn_id="snowflake_raw")
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"

        # pick up where the last try stopped
        cursor = ti.xcom_pull(key="next_cursor")
        total = 0
        for _ in range(10_000):
            params = {"per_page": PAGE_SIZE, "updated_since": data_interval_start.isoformat()}
            if cursor:
                params["cursor"] = cursor
            resp = session.get(f"{API_BASE}/tickets", params=params, timeout=30)
            resp.raise_for_status()
            body = resp.json()
            if body["tickets"]:
                _merge_tickets(hook, body["tickets"])
                total += len(body["tickets"])
            cursor = body.get("next_cursor")
            ti.xcom_push(key="next_cursor", value=cursor)
            if not cursor:
                break
        return total

    fetch_tickets()


support_tickets_ingest()
