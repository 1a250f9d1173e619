# lint-expect: RS501
# why: _SYNCED_ACCOUNTS (a module-level set) is used to skip accounts already synced and _PAGES_DONE is a global counter used as the resume offset; both live in the worker process, so a retry (a new process) starts with neither. The upsert sink and the read-only TENANTS list are fine.
"""Per-tenant account sync from the billing API, mapped over tenants."""
from __future__ import annotations

from datetime import datetime, timedelta

import requests
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.sdk import DAG, Variable, task

TENANTS = ["acme", "globex", "initech", "umbrella"]

# accounts we have already written in this process, so re-runs are cheap
_SYNCED_ACCOUNTS: set[str] = set()
_PAGES_DONE = 0


def _upsert_accounts(tenant: str, accounts: list[dict]) -> None:
    hook = PostgresHook(postgres_conn_id="billing_dw")
    hook.run(
        """
        INSERT INTO billing.accounts (tenant, account_id, plan, mrr_cents, updated_at)
        VALUES (%(tenant)s, %(id)s, %(plan)s, %(mrr_cents)s, %(updated_at)s)
        ON CONFLICT (tenant, account_id) DO UPDATE
           SET plan = EXCLUDED.plan, mrr_cents = EXCLUDED.mrr_cents, updated_at = EXCLUDED.updated_at
        """,
        parameters=[{"tenant": tenant, **a} for a in accounts],
    )


with DAG(
    dag_id="billing_accounts_per_tenant",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=1)},
) as dag:

    @task
    def sync_tenant(tenant: str):
        global _PAGES_DONE
        base = Variable.get("billing_api_base")
        page = _PAGES_DONE
        while True:
            r = requests.get(f"{base}/tenants/{tenant}/accounts", params={"page": page}, timeout=30)
            r.raise_for_status()
            accounts = [a for a in r.json()["accounts"] if a["id"] not in _SYNCED_ACCOUNTS]
            if accounts:
                _upsert_accounts(tenant, accounts)
                _SYNCED_ACCOUNTS.update(a["id"] for a in accounts)
            page += 1
            _PAGES_DONE = page
            if not r.json().get("has_more"):
                break

    sync_tenant.expand(tenant=TENANTS)
