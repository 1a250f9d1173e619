# lint-expect: none
# why: a manually triggered admin DAG that writes the "warehouse_maintenance_window" config Variable from the trigger params (an operator's input, not data or a job id) and never reads it back as progress; other DAGs only read it as configuration. Labelled clean because the value does not come from the data or a job.
"""Admin: announce a warehouse maintenance window so loaders pause themselves."""
from __future__ import annotations

import json
from datetime import datetime

from airflow.sdk import DAG, Param, Variable, task

with DAG(
    dag_id="admin_set_maintenance_window",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    tags=["admin"],
    params={
        "starts_at": Param("2025-06-01T22:00:00+00:00", type="string", format="date-time"),
        "ends_at": Param("2025-06-02T02:00:00+00:00", type="string", format="date-time"),
        "reason": Param("Snowflake account migration", type="string"),
    },
) as dag:

    @task
    def set_window(params=None):
        window = {"starts_at": params["starts_at"], "ends_at": params["ends_at"], "reason": params["reason"]}
        Variable.set("warehouse_maintenance_window", json.dumps(window),
                     description="Set by admin_set_maintenance_window; read by loaders as config")

    set_window()
