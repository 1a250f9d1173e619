# lint-expect: none
# why: this admin DAG does call Variable.set(key=..., value=..., serialize_json=True), but only to publish configuration from a YAML file version-controlled with the DAGs; it never reads those Variables back and the values come neither from processed data nor from a job, so there is no progress or job id in them.
"""Publishes pipeline configuration from include/pipeline_config.yaml into Airflow Variables after each deploy."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pendulum
import yaml

from airflow.sdk import Variable, dag, task

log = logging.getLogger(__name__)

CONFIG_FILE = Path(__file__).parent / "include" / "pipeline_config.yaml"
PREFIX = "pipeline_cfg__"


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["admin", "config"],
    doc_md="Trigger manually (or from CI after a deploy) to push the checked-in config into Variables.",
)
def admin_pipeline_config_sync():
    @task
    def load_config() -> dict:
        raw = CONFIG_FILE.read_text()
        cfg = yaml.safe_load(raw)
        log.info("config %s sha256=%s", CONFIG_FILE.name, hashlib.sha256(raw.encode()).hexdigest()[:12])
        return cfg

    @task
    def validate(cfg: dict) -> dict:
        for name, pipeline in cfg["pipelines"].items():
            missing = {"owner", "conn_id", "schedule"} - pipeline.keys()
            if missing:
                raise ValueError(f"pipeline {name} is missing {sorted(missing)}")
        return cfg

    @task
    def publish(cfg: dict) -> list[str]:
        written = []
        for name, pipeline in cfg["pipelines"].items():
            Variable.set(
                key=f"{PREFIX}{name}",
                value=pipeline,
                description=f"managed by admin_pipeline_config_sync from {CONFIG_FILE.name}; do not edit in the UI",
                serialize_json=True,
            )
            written.append(name)
        Variable.set(key=f"{PREFIX}_alert_channels", value=cfg.get("alert_channels", {}), serialize_json=True)
        return written

    publish(validate(load_config()))


admin_pipeline_config_sync()
