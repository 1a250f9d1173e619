# lint-expect: none
# why: files are written under a TemporaryDirectory and read back (parsed, then a local manifest.json uploaded) within the same try; progress lives on the SFTP server itself, since each file is moved to processed/ only after its rows are upserted, so a retry simply sees the files still waiting.
"""Pulls HL7 v2 ORU^R01 lab-result files from the reference lab's SFTP drop and upserts observations."""

from __future__ import annotations

import json
import logging
import tempfile
from datetime import timedelta
from pathlib import Path

import pendulum
from hl7apy.parser import parse_message

from airflow.sdk import dag, task
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.providers.sftp.hooks.sftp import SFTPHook

log = logging.getLogger(__name__)

INBOX = "/outbound/oru"
PROCESSED = "/outbound/oru/processed"

UPSERT_OBX = """
INSERT INTO lab.observations (accession, obx_set_id, loinc, value, units, abnormal_flag, observed_at, source_file)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (accession, obx_set_id) DO UPDATE
SET loinc = EXCLUDED.loinc, value = EXCLUDED.value, units = EXCLUDED.units,
    abnormal_flag = EXCLUDED.abnormal_flag, observed_at = EXCLUDED.observed_at
"""


def _observations(path: Path) -> list[tuple]:
    out = []
    text = path.read_text(encoding="latin-1").replace("\r\n", "\r").replace("\n", "\r")
    for raw in (("MSH|" + chunk).strip("\r") for chunk in text.split("MSH|") if chunk.strip()):
        msg = parse_message(raw, find_groups=False)
        accession = msg.obr.obr_3.value
        for obx in msg.obx:
            out.append((accession, obx.obx_1.value, obx.obx_3.obx_3_1.value, obx.obx_5.value,
                        obx.obx_6.value, obx.obx_8.value, obx.obx_14.value, path.name))
    return out


@dag(
    schedule=timedelta(minutes=30),
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=2)},
    tags=["healthcare", "hl7", "sftp"],
)
def sftp_lab_results():
    @task
    def ingest_oru_files(ts_nodash=None) -> dict:
        sftp = SFTPHook(ssh_conn_id="sftp_reference_lab")
        pg = PostgresHook(postgres_conn_id="clinical_pg")
        names = sorted(n for n in sftp.list_directory(INBOX) if n.endswith(".hl7"))
        manifest = {}

        with tempfile.TemporaryDirectory(prefix="oru_") as tmp:
            tmpdir = Path(tmp)
            for name in names:
                local = tmpdir / name
                sftp.retrieve_file(f"{INBOX}/{name}", str(local))
                rows = _observations(local)
                with pg.get_conn() as conn, conn.cursor() as cur:
                    cur.executemany(UPSERT_OBX, rows)
                sftp.get_conn().rename(f"{INBOX}/{name}", f"{PROCESSED}/{name}")
                manifest[name] = len(rows)

            manifest_path = tmpdir / "manifest.json"
            manifest_path.write_text(json.dumps(manifest, indent=2))
            S3Hook(aws_conn_id="aws_clinical").load_file(
                str(manifest_path), key=f"oru/manifests/{ts_nodash}.json", bucket_name="clinical-audit", replace=True
            )
            log.info("manifest: %s", json.loads(manifest_path.read_text()))
        return {"files": len(manifest), "observations": sum(manifest.values())}

    ingest_oru_files()


sftp_lab_results()
