# lint-expect: RS502
# why: PartnerSftpToRedshiftOperator remembers which drop files it has loaded in a JSON file on the worker's disk (_progress_path().write_text in _mark_loaded, read back by _loaded_files); a retry on another worker or a fresh pod finds no file and reloads everything. The per-file DELETE+COPY in one transaction is idempotent, and reading os.environ for the directory is just configuration.
"""Loads the daily carrier-invoice drops from partners' SFTP servers into Redshift."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pendulum

from airflow.sdk import DAG, BaseOperator, Context
from airflow.providers.amazon.aws.hooks.redshift_sql import RedshiftSQLHook
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.sftp.hooks.sftp import SFTPHook

log = logging.getLogger(__name__)

STATE_DIR = Path(os.environ.get("PARTNER_SFTP_STATE_DIR", "/opt/airflow/tmp/partner_sftp"))


class PartnerSftpToRedshiftOperator(BaseOperator):
    template_fields: Sequence[str] = ("remote_dir", "s3_prefix")

    def __init__(self, *, partner: str, sftp_conn_id: str, remote_dir: str, s3_prefix: str,
                 table: str = "logistics.carrier_invoices", **kwargs):
        super().__init__(**kwargs)
        self.partner = partner
        self.sftp_conn_id = sftp_conn_id
        self.remote_dir = remote_dir
        self.s3_prefix = s3_prefix
        self.table = table

    def _progress_path(self, context: Context) -> Path:
        return STATE_DIR / f"{self.partner}_{context['ds_nodash']}.json"

    def _loaded_files(self, context: Context) -> set[str]:
        path = self._progress_path(context)
        if path.exists():
            return set(json.loads(path.read_text()))
        return set()

    def _mark_loaded(self, context: Context, loaded: set[str]) -> None:
        path = self._progress_path(context)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(sorted(loaded)))

    def execute(self, context: Context) -> int:
        sftp = SFTPHook(ssh_conn_id=self.sftp_conn_id)
        s3 = S3Hook(aws_conn_id="aws_logistics")
        redshift = RedshiftSQLHook(redshift_conn_id="redshift_logistics")

        loaded = self._loaded_files(context)
        remote = sorted(f for f in sftp.list_directory(self.remote_dir) if f.endswith(".csv"))
        todo = [f for f in remote if f not in loaded]
        log.info("%s: %d files, %d already loaded", self.partner, len(remote), len(loaded))

        for name in todo:
            local = STATE_DIR / "download" / name
            local.parent.mkdir(parents=True, exist_ok=True)
            sftp.retrieve_file(f"{self.remote_dir}/{name}", str(local))
            key = f"{self.s3_prefix}/{name}"
            s3.load_file(str(local), key=key, bucket_name="logistics-landing", replace=True)
            redshift.run(
                [
                    f"DELETE FROM {self.table} WHERE source_file = '{name}'",
                    f"COPY {self.table} FROM 's3://logistics-landing/{key}' "
                    f"IAM_ROLE default CSV IGNOREHEADER 1 TIMEFORMAT 'auto'",
                    f"UPDATE {self.table} SET source_file = '{name}' WHERE source_file IS NULL",
                ],
                autocommit=False,
            )
            local.unlink(missing_ok=True)
            loaded.add(name)
            self._mark_loaded(context, loaded)
        return len(todo)


with DAG(
    dag_id="sftp_partner_drops",
    schedule="0 7 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="Europe/Amsterdam"),
    catchup=False,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=20)},
    tags=["logistics", "sftp"],
):
    for partner, conn in [("dhl", "sftp_dhl"), ("postnl", "sftp_postnl"), ("dpd", "sftp_dpd")]:
        PartnerSftpToRedshiftOperator(
            task_id=f"load_{partner}_invoices",
            partner=partner,
            sftp_conn_id=conn,
            remote_dir=f"/outbound/invoices/{{{{ ds_nodash }}}}",
            s3_prefix=f"carrier_invoices/{partner}/{{{{ ds }}}}",
        )
