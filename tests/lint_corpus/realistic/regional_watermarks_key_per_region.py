# lint-expect: none
# why: the fixed form of the regional race: each map index reads and writes only its own asset-state key (f"last_event_id:{region}"), so concurrent indices never overwrite one another; the value is the max event_id loaded and the write is a MERGE. The task declares outlets=[TELEMETRY].
"""IoT telemetry per region, one asset-state key per region."""
from __future__ import annotations

from datetime import timedelta

import pendulum
import requests
from airflow.providers.databricks.hooks.databricks_sql import DatabricksSqlHook
from airflow.sdk import Asset, Variable, dag, task

TELEMETRY = Asset("databricks://lakehouse/bronze/telemetry_v2")
REGIONS = ["eu-west", "us-east", "us-west", "ap-south"]

MERGE = """
MERGE INTO bronze.telemetry_v2 t
USING (SELECT :event_id AS event_id, :region AS region, :device_id AS device_id, :reading AS reading, :ts AS ts) s
ON t.event_id = s.event_id
WHEN NOT MATCHED THEN INSERT *
"""


@dag(schedule=timedelta(minutes=30), start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False,
     default_args={"retries": 3, "retry_delay": timedelta(minutes=1)}, tags=["iot", "mapped"])
def telemetry_by_region_v2():
    @task(outlets=[TELEMETRY])
    def load_region(region: str, asset_state_store=None):
        state = asset_state_store[TELEMETRY]
        key = f"last_event_id:{region}"
        after = state.get(key, 0)

        api = Variable.get("telemetry_api", deserialize_json=True)
        r = requests.get(f"{api['url']}/{region}/events", params={"after_id": after, "limit": 20_000}, timeout=120)
        r.raise_for_status()
        events = r.json()["events"]
        if not events:
            return 0
        DatabricksSqlHook(databricks_conn_id="databricks_sql").run(
            MERGE, parameters=[{**e, "region": region} for e in events]
        )
        state.set(key, max(e["event_id"] for e in events))
        return len(events)

    load_region.expand(region=REGIONS)


telemetry_by_region_v2()
