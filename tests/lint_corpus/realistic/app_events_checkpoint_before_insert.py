# lint-expect: RS601 RS602
# why: inside the batch loop store.set("offset", ...) runs before cur.executemany("INSERT INTO raw.app_events ..."), so a crash between them skips that batch for good (RS601); and the write behind this resumable task_state_store offset is a plain INSERT, not an upsert (RS602).
"""Mobile app events export API -> Postgres raw schema, resumable by offset."""
from __future__ import annotations

from datetime import datetime, timedelta

import requests
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.sdk import DAG, Variable, task

BATCH = 5_000

with DAG(
    dag_id="app_events_export",
    schedule="@hourly",
    start_date=datetime(2025, 4, 1),
    catchup=False,
    default_args={"retries": 4, "retry_delay": timedelta(seconds=30)},
) as dag:

    @task
    def export_events(data_interval_start=None, data_interval_end=None, **context):
        store = context["task_state_store"]
        api = Variable.get("events_api", deserialize_json=True)
        offset = store.get("offset", 0)

        hook = PostgresHook(postgres_conn_id="events_pg")
        conn = hook.get_conn()
        while True:
            r = requests.get(
                f"{api['base_url']}/export",
                params={
                    "from": data_interval_start.isoformat(),
                    "to": data_interval_end.isoformat(),
                    "offset": offset,
                    "limit": BATCH,
                },
                headers={"X-Api-Key": api["key"]},
                timeout=60,
            )
            r.raise_for_status()
            events = r.json()["events"]
            if not events:
                break
            offset += len(events)
            store.set("offset", offset)
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO raw.app_events (event_id, user_id, name, ts, props) VALUES (%s, %s, %s, %s, %s)",
                    [(e["id"], e["user_id"], e["name"], e["ts"], e["props"]) for e in events],
                )
            conn.commit()
        conn.close()
        return offset

    export_events()
