# lint-expect: RS604
# why: load_region_scans is mapped over regions and each index reads "scans_loaded_total" from asset_state_store[PARCEL_SCANS], adds its count and writes it back -- the map indices race and updates are lost. The per-region watermark key f"watermark:{region}" next to it is the correct one-key-per-writer pattern, set from the loaded rows.
"""Loads parcel scan events per region from the tracking API into the logistics warehouse."""

from __future__ import annotations

import logging
from datetime import timedelta

import pendulum
import requests

from airflow.sdk import Asset, dag, task
from airflow.providers.postgres.hooks.postgres import PostgresHook

log = logging.getLogger(__name__)

PARCEL_SCANS = Asset("postgres://logistics-dw/tracking/parcel_scans")
TRACKING_API = "https://tracking-api.internal.example.net/v2"

UPSERT = """
INSERT INTO tracking.parcel_scans (scan_id, parcel_id, region, hub, scan_type, scanned_at)
VALUES (%(scan_id)s, %(parcel_id)s, %(region)s, %(hub)s, %(scan_type)s, %(scanned_at)s)
ON CONFLICT (scan_id) DO NOTHING
"""


@dag(
    schedule=timedelta(hours=1),
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["logistics", "tracking"],
)
def logistics_scan_totals():
    @task
    def list_regions() -> list[str]:
        resp = requests.get(f"{TRACKING_API}/regions", timeout=30)
        resp.raise_for_status()
        return [r["code"] for r in resp.json()["regions"] if r["active"]]

    @task(outlets=[PARCEL_SCANS], max_active_tis_per_dagrun=8)
    def load_region_scans(region: str, asset_state_store=None) -> int:
        store = asset_state_store[PARCEL_SCANS]
        since = store.get(f"watermark:{region}", "2025-01-01T00:00:00+00:00")

        resp = requests.get(f"{TRACKING_API}/scans", params={"region": region, "scanned_after": since}, timeout=120)
        resp.raise_for_status()
        scans = resp.json()["scans"]
        if not scans:
            return 0

        hook = PostgresHook(postgres_conn_id="logistics_dw")
        conn = hook.get_conn()
        with conn, conn.cursor() as cur:
            cur.executemany(UPSERT, [{**s, "region": region} for s in scans])

        store.set(f"watermark:{region}", max(s["scanned_at"] for s in scans))
        total = store.get("scans_loaded_total", 0)
        store.set("scans_loaded_total", total + len(scans))
        log.info("%s: %d scans", region, len(scans))
        return len(scans)

    load_region_scans.expand(region=list_regions())


logistics_scan_totals()
