# lint-expect: RS502
# why: the list of prefixes already loaded is kept in /tmp/clickstream_backfill_progress.json, read at the start of the task and rewritten after each COPY INTO; a retry on another worker or a fresh container starts without that file. No state store cursor is involved, so RS602 does not apply.
"""One-shot backfill of historical clickstream files from S3 into Snowflake."""
from __future__ import annotations

import json
import os
from datetime import datetime, timedelta

import boto3
from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook
from airflow.sdk import dag, task

PROGRESS_FILE = "/tmp/clickstream_backfill_progress.json"
BUCKET = "acme-clickstream-archive"


def _load_progress() -> set[str]:
    if os.path.exists(PROGRESS_FILE):
        with open(PROGRESS_FILE) as fh:
            return set(json.load(fh)["done"])
    return set()


def _save_progress(done: set[str]) -> None:
    with open(PROGRESS_FILE, "w") as fh:
        json.dump({"done": sorted(done)}, fh)


@dag(schedule=None, start_date=datetime(2025, 1, 1), catchup=False,
     default_args={"retries": 5, "retry_delay": timedelta(minutes=1)}, tags=["backfill"])
def clickstream_backfill():
    @task(execution_timeout=timedelta(hours=12))
    def backfill():
        s3 = boto3.client("s3")
        sf = SnowflakeHook(snowflake_conn_id="snowflake_raw")
        done = _load_progress()
        paginator = s3.get_paginator("list_objects_v2")
        prefixes = []
        for page in paginator.paginate(Bucket=BUCKET, Prefix="events/", Delimiter="/"):
            prefixes.extend(p["Prefix"] for p in page.get("CommonPrefixes", []))

        for prefix in sorted(prefixes):
            if prefix in done:
                continue
            sf.run(
                f"COPY INTO raw.clickstream FROM @raw.clickstream_archive/{prefix} "
                "FILE_FORMAT = (TYPE = PARQUET) MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE"
            )
            done.add(prefix)
            _save_progress(done)

    backfill()


clickstream_backfill()
