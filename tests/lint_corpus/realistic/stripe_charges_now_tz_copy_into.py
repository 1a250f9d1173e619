# lint-expect: RS301 RS602
# why: the asset watermark "created_gte" is read at start and moved to datetime.now(tz=timezone.utc).isoformat() instead of the newest loaded charge (RS301), and the pages behind that watermark are loaded with a plain COPY INTO from a stage, an append, not a MERGE (RS602). The asset is an outlet, so asset_state_store is present.
"""Stripe charges -> S3 stage -> Snowflake, incremental by asset watermark."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import boto3
import stripe
from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook
from airflow.sdk import Asset, Variable, dag, task

CHARGES = Asset("s3://acme-stage/stripe/charges/")


@dag(schedule="@hourly", start_date=datetime(2025, 1, 1, tzinfo=timezone.utc), catchup=False,
     default_args={"retries": 3, "retry_delay": timedelta(minutes=2)}, tags=["stripe"])
def stripe_charges():
    @task(outlets=[CHARGES])
    def load_charges(run_id=None, asset_state_store=None):
        stripe.api_key = Variable.get("stripe_secret_key")
        created_gte = asset_state_store.get("created_gte", "2024-01-01T00:00:00+00:00")
        since_ts = int(datetime.fromisoformat(created_gte).timestamp())

        s3 = boto3.client("s3")
        sf = SnowflakeHook(snowflake_conn_id="snowflake_raw")
        key_prefix = f"stripe/charges/{run_id}"
        starting_after = None
        n = 0
        while True:
            page = stripe.Charge.list(created={"gte": since_ts}, limit=100, starting_after=starting_after)
            if not page.data:
                break
            body = "\n".join(json.dumps(c.to_dict()) for c in page.data)
            s3.put_object(Bucket="acme-stage", Key=f"{key_prefix}/part-{n:05d}.json", Body=body.encode())
            n += 1
            if not page.has_more:
                break
            starting_after = page.data[-1].id

        sf.run(
            f"COPY INTO raw.stripe_charges (doc) FROM @raw.acme_stage/{key_prefix}/ "
            "FILE_FORMAT = (TYPE = JSON) FORCE = TRUE"
        )
        asset_state_store.set("created_gte", datetime.now(tz=timezone.utc).isoformat())

    load_charges()


stripe_charges()
