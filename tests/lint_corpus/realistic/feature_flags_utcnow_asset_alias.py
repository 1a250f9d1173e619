# lint-expect: RS301
# why: the flag-change watermark lives in the asset store, reached with context["asset_state_store"][FLAG_CHANGES] and aliased to cursor_state; it is moved to timezone.utcnow().isoformat() rather than the newest changed_at returned, so flag changes made during the run are never picked up. The task has outlets and the sink is an upsert.
"""Mirror LaunchDarkly-style feature flag changes into the config database."""
from __future__ import annotations

from datetime import datetime, timedelta

import requests
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, Asset, Variable
from airflow.utils import timezone

FLAG_CHANGES = Asset("postgres://config-db/public/feature_flags")


def mirror_flag_changes(**context):
    cursor_state = context["asset_state_store"][FLAG_CHANGES]
    since = cursor_state.get("changed_since", "2020-01-01T00:00:00+00:00")
    api = Variable.get("flags_api", deserialize_json=True)
    r = requests.get(f"{api['url']}/flags/changes", params={"since": since},
                     headers={"Authorization": api["token"]}, timeout=30)
    r.raise_for_status()
    changes = r.json()["items"]

    pg = PostgresHook(postgres_conn_id="config_db")
    for ch in changes:
        pg.run(
            "INSERT INTO feature_flags (flag_key, env, enabled, rules, changed_at) "
            "VALUES (%(key)s, %(env)s, %(enabled)s, %(rules)s, %(changed_at)s) "
            "ON CONFLICT (flag_key, env) DO UPDATE SET enabled = EXCLUDED.enabled, "
            "rules = EXCLUDED.rules, changed_at = EXCLUDED.changed_at",
            parameters=ch,
        )
    cursor_state.set("changed_since", timezone.utcnow().isoformat())


with DAG(
    dag_id="feature_flag_mirror",
    schedule=timedelta(minutes=5),
    start_date=datetime(2025, 1, 1),
    catchup=False,
    max_active_runs=1,
) as dag:
    PythonOperator(task_id="mirror_flag_changes", python_callable=mirror_flag_changes, outlets=[FLAG_CHANGES])
