# lint-expect: none
# why: the tempting-but-correct forms of state values: the window is stored as a list of ISO strings (not a tuple), the last event time as .isoformat() (not a datetime), and the cursor is removed with delete("cursor") rather than set("cursor", None); every set comes after the MERGE it covers.
"""Segment-style events export per day window, crash-safe via the task state store."""
from __future__ import annotations

from datetime import datetime, timedelta

import requests
from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook
from airflow.sdk import DAG, Variable, get_current_context, task

with DAG(
    dag_id="tracking_events_export",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=1)},
) as dag:

    @task
    def export_events():
        context = get_current_context()
        state = context["task_state_store"]
        start, end = context["data_interval_start"], context["data_interval_end"]

        api = Variable.get("tracking_api", deserialize_json=True)
        sf = SnowflakeHook(snowflake_conn_id="snowflake_raw")
        cursor = state.get("cursor")
        while True:
            r = requests.get(f"{api['url']}/events", timeout=60,
                             params={"start": start.isoformat(), "end": end.isoformat(), "cursor": cursor or ""})
            r.raise_for_status()
            body = r.json()
            events = body["events"]
            if events:
                sf.run(
                    "MERGE INTO raw.tracking_events t USING (SELECT %(message_id)s AS message_id, "
                    "PARSE_JSON(%(raw)s) AS raw, %(ts)s::timestamp_tz AS ts) s ON t.message_id = s.message_id "
                    "WHEN NOT MATCHED THEN INSERT (message_id, raw, ts) VALUES (s.message_id, s.raw, s.ts)",
                    parameters=events,
                )
                last_ts = max(datetime.fromisoformat(e["ts"]) for e in events)
                state.set("last_event_ts", last_ts.isoformat())
            cursor = body.get("next")
            if not cursor:
                break
            state.set("cursor", cursor)
        state.delete("cursor")
        state.set("window", [start.isoformat(), end.isoformat()])

    export_events()
