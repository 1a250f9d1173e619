# lint-expect: RS201
# why: the task calls the helper _save_progress, which does Variable.set(PROGRESS_KEY, ...) with the API's "after" token, and the same key is read back with Variable.get at the start: a global progress Variable. The upsert sink (insert_rows(replace=True)) and the read-only token Variable are fine.
"""HubSpot contacts -> Postgres, incremental by the API's paging token."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

import requests
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.sdk import DAG, Variable, task

log = logging.getLogger(__name__)

PROGRESS_KEY = "hubspot_contacts_after"
URL = "https://api.hubapi.com/crm/v3/objects/contacts"


def _save_progress(after: str) -> None:
    """Remember the paging token so a failure does not start from scratch."""
    Variable.set(PROGRESS_KEY, after)
    log.info("saved hubspot progress %s", after)


def _upsert_contacts(hook: PostgresHook, contacts: list[dict]) -> None:
    hook.insert_rows(
        table="crm.contacts",
        rows=[(c["id"], c["properties"].get("email"), c["updatedAt"]) for c in contacts],
        target_fields=["id", "email", "updated_at"],
        replace=True,
        replace_index="id",
    )


with DAG(
    dag_id="hubspot_contacts",
    schedule="0 */2 * * *",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
) as dag:

    @task
    def sync_contacts():
        token = Variable.get("hubspot_private_app_token")
        hook = PostgresHook(postgres_conn_id="crm_pg")
        after = Variable.get(PROGRESS_KEY, default="")
        while True:
            params = {"limit": 100}
            if after:
                params["after"] = after
            r = requests.get(URL, params=params, headers={"Authorization": f"Bearer {token}"}, timeout=30)
            r.raise_for_status()
            payload = r.json()
            _upsert_contacts(hook, payload["results"])
            after = payload.get("paging", {}).get("next", {}).get("after", "")
            if not after:
                break
            _save_progress(after)

    sync_contacts()
