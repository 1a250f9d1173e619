# lint-expect: RS102
# why: load_new_files calls ti.xcom_push(key="last_loaded_file", ...) inside the for loop over the blob listing to record progress; nothing ever reads it back, but that progress is gone at the start of the next try. Each file is loaded into its own partition with WRITE_TRUNCATE, so the reload on retry is harmless.
"""Load vendor CSV drops from GCS into BigQuery date partitions."""
from __future__ import annotations

from datetime import datetime, timedelta

from airflow.providers.google.cloud.hooks.bigquery import BigQueryHook
from airflow.providers.google.cloud.hooks.gcs import GCSHook
from airflow.sdk import DAG, task

BUCKET = "acme-vendor-drops"

with DAG(
    dag_id="vendor_drops_to_bq",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
) as dag:

    @task
    def load_new_files(ds_nodash=None, ti=None):
        gcs = GCSHook(gcp_conn_id="gcp")
        bq = BigQueryHook(gcp_conn_id="gcp", use_legacy_sql=False)
        blobs = gcs.list(BUCKET, prefix=f"inventory/{ds_nodash}/", match_glob="**/*.csv")
        for name in sorted(blobs):
            store_id = name.rsplit("/", 1)[-1].removesuffix(".csv")
            bq.insert_job(
                configuration={
                    "load": {
                        "sourceUris": [f"gs://{BUCKET}/{name}"],
                        "destinationTable": {
                            "projectId": "acme-analytics",
                            "datasetId": "vendor",
                            "tableId": f"inventory_{store_id}${ds_nodash}",
                        },
                        "sourceFormat": "CSV",
                        "skipLeadingRows": 1,
                        "writeDisposition": "WRITE_TRUNCATE",
                    }
                }
            )
            ti.xcom_push(key="last_loaded_file", value=name)
        return len(blobs)

    load_new_files()
