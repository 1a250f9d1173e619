# lint-expect: RS401 RS501
# why: LivyBatchOperator.execute POSTs a Livy batch and polls /batches/{id}/state in the same try with batch_id only in a local (RS401), and the class attribute _finished_partitions (a set shared by every instance in the process) is used to skip partitions already done, which a retry in a new process does not have (RS501).
"""Compact yesterday's Iceberg partitions with Spark batches submitted through Apache Livy."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import requests
from airflow.sdk import DAG, BaseOperator


class LivyBatchOperator(BaseOperator):
    template_fields = ("partitions",)

    # partitions compacted so far; lets a retry skip the ones already done
    _finished_partitions: set[str] = set()

    def __init__(self, *, livy_url: str, file: str, partitions: list[str] | str, **kwargs):
        super().__init__(**kwargs)
        self.livy_url = livy_url
        self.file = file
        self.partitions = partitions

    def execute(self, context):
        for partition in self.partitions:
            if partition in self._finished_partitions:
                self.log.info("skipping %s, already compacted", partition)
                continue
            r = requests.post(f"{self.livy_url}/batches",
                              json={"file": self.file, "args": ["--partition", partition]}, timeout=30)
            r.raise_for_status()
            batch_id = r.json()["id"]
            while True:
                state = requests.get(f"{self.livy_url}/batches/{batch_id}/state", timeout=30).json()["state"]
                if state == "success":
                    break
                if state in ("dead", "killed", "error"):
                    raise RuntimeError(f"livy batch {batch_id} for {partition}: {state}")
                time.sleep(15)
            LivyBatchOperator._finished_partitions.add(partition)


with DAG(
    dag_id="iceberg_compaction",
    schedule="0 4 * * *",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=15)},
) as dag:
    LivyBatchOperator(
        task_id="compact_events",
        livy_url="http://livy.spark.svc:8998",
        file="s3://acme-jobs/compact_iceberg.py",
        partitions=["events/dt={{ macros.ds_add(ds, -1) }}/region=eu", "events/dt={{ macros.ds_add(ds, -1) }}/region=us"],
    )
