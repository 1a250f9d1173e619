# lint-expect: none
# why: the feature-flag Variable is only read (Variable.get("pipeline_flags", deserialize_json=True)) to choose a branch; datetime.now(timezone.utc) is only logged. The Spark job runs through a deferrable Databricks operator, so no rule applies.
"""Nightly recommendations: branch between the legacy and the new model by feature flag."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from airflow.providers.databricks.operators.databricks import DatabricksSubmitRunOperator
from airflow.sdk import Variable, dag, task

log = logging.getLogger(__name__)

CLUSTER = {"spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge", "num_workers": 4}


@dag(schedule="0 1 * * *", start_date=datetime(2025, 1, 1, tzinfo=timezone.utc), catchup=False,
     default_args={"retries": 2, "retry_delay": timedelta(minutes=5)}, tags=["ml", "flags"])
def nightly_recommendations():
    @task.branch
    def choose_model():
        flags = Variable.get("pipeline_flags", deserialize_json=True)
        log.info("flags read at %s: %s", datetime.now(timezone.utc).isoformat(), flags)
        return "recs_v2" if flags.get("recs_v2_enabled") else "recs_legacy"

    legacy = DatabricksSubmitRunOperator(
        task_id="recs_legacy",
        new_cluster=CLUSTER,
        spark_python_task={"python_file": "dbfs:/jobs/recs_legacy.py", "parameters": ["{{ ds }}"]},
        deferrable=True,
    )
    v2 = DatabricksSubmitRunOperator(
        task_id="recs_v2",
        new_cluster=CLUSTER,
        spark_python_task={"python_file": "dbfs:/jobs/recs_v2.py", "parameters": ["{{ ds }}"]},
        deferrable=True,
    )

    choose_model() >> [legacy, v2]


nightly_recommendations()
