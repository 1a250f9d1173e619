# lint-expect: none
# why: the class attributes on FeatureStoreClient are a constant (BATCH_SIZE) and a lazily built HTTP session, a connection cache that holds no progress; the @task.virtualenv scorer reads and writes files only within its own try, and the output is an overwrite of the run's own partition.
"""Scores members' readmission risk with the pinned scikit-learn model in an isolated virtualenv."""

from __future__ import annotations

import logging
from datetime import timedelta

import pendulum
import requests

from airflow.sdk import BaseHook, dag, task

log = logging.getLogger(__name__)


class FeatureStoreClient:
    BATCH_SIZE = 500
    _session: requests.Session | None = None

    def __init__(self, conn_id: str = "feast_online"):
        self.base_url = BaseHook.get_connection(conn_id).host

    @classmethod
    def session(cls) -> requests.Session:
        if cls._session is None:
            cls._session = requests.Session()
            cls._session.headers["User-Agent"] = "airflow-risk-scoring/1.4"
        return cls._session

    def features(self, member_ids: list[str]) -> list[dict]:
        out = []
        for i in range(0, len(member_ids), self.BATCH_SIZE):
            chunk = member_ids[i : i + self.BATCH_SIZE]
            resp = self.session().post(f"{self.base_url}/get-online-features", timeout=60, json={
                "feature_service": "readmission_v3", "entities": {"member_id": chunk}})
            resp.raise_for_status()
            out.extend(resp.json()["results"])
        return out


@dag(
    schedule="0 4 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
    tags=["healthcare", "ml", "scoring"],
)
def virtualenv_risk_scoring():
    @task
    def fetch_features(ds=None) -> str:
        import pandas as pd
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        members = [r[0] for r in PostgresHook("care_mgmt").get_records(
            "SELECT member_id FROM care.discharges WHERE discharge_date = %s", parameters=(ds,))]
        frame = pd.DataFrame(FeatureStoreClient().features(members))
        path = f"s3://care-ml/risk/features/dt={ds}/features.parquet"
        frame.to_parquet(path, index=False)
        return path

    @task.virtualenv(
        requirements=["scikit-learn==1.4.2", "pandas==2.2.2", "pyarrow==16.1.0", "s3fs==2024.6.0", "joblib==1.4.2"],
        system_site_packages=False,
    )
    def score(features_path: str, ds: str) -> str:
        import os
        import tempfile

        import joblib
        import pandas as pd
        import s3fs

        fs = s3fs.S3FileSystem()
        with tempfile.TemporaryDirectory() as tmp:
            model_file = os.path.join(tmp, "model.joblib")
            fs.get("s3://care-ml/risk/models/readmission_v3/model.joblib", model_file)
            model = joblib.load(model_file)
            frame = pd.read_parquet(features_path)
            frame["risk"] = model.predict_proba(frame.drop(columns=["member_id"]))[:, 1]
            local_out = os.path.join(tmp, "scores.parquet")
            frame[["member_id", "risk"]].to_parquet(local_out, index=False)
            out = f"s3://care-ml/risk/scores/dt={ds}/scores.parquet"
            fs.put(local_out, out)
        return out

    score(fetch_features(), ds="{{ ds }}")


virtualenv_risk_scoring()
