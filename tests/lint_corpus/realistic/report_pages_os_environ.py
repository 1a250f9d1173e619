# lint-expect: RS501
# why: the last exported page is kept in os.environ["PARTNER_REPORT_LAST_PAGE"] and read back at the start as the resume point; the environment belongs to the worker process, so a retry starts at page 0 anyway. Pages are written to S3 under deterministic keys (overwrite), so nothing else is wrong.
"""Download the partner's paginated settlement report into S3."""
from __future__ import annotations

import os
from datetime import datetime, timedelta

import boto3
import requests
from airflow.sdk import DAG, Variable, task

ENV_KEY = "PARTNER_REPORT_LAST_PAGE"

with DAG(
    dag_id="partner_settlement_report",
    schedule="0 8 * * *",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 3},
) as dag:

    @task
    def download_report(ds=None):
        api = Variable.get("partner_api", deserialize_json=True)
        s3 = boto3.client("s3")
        page = int(os.environ.get(ENV_KEY, "0"))
        while True:
            r = requests.get(f"{api['url']}/settlements", params={"date": ds, "page": page},
                             headers={"Api-Key": api["key"]}, timeout=60)
            r.raise_for_status()
            if not r.content.strip():
                break
            s3.put_object(Bucket="acme-partner-drop", Key=f"settlements/{ds}/page-{page:04d}.csv", Body=r.content)
            page += 1
            os.environ[ENV_KEY] = str(page)

    download_report()
