# lint-expect: RS601
# why: in export_payer_claims, cursor.advance(next_link) stores the next FHIR page link before warehouse.merge_claims(rows) writes the current page; a crash during the MERGE resumes past that page and loses it. The helper class reaching task_state_store through get_current_context() and the f-string key are otherwise fine, and the sink is an idempotent MERGE.
"""Nightly export of ExplanationOfBenefit resources from the payer gateway (FHIR R4) into Snowflake."""

from __future__ import annotations

import logging
from datetime import timedelta

import pendulum
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from airflow.sdk import dag, get_current_context, task
from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook

log = logging.getLogger(__name__)

FHIR_BASE = "https://fhir.payer-gateway.example.com/r4"
PAYERS = ["bcbs-il", "aetna-comm", "humana-ma", "uhc-med"]
PAGE_SIZE = 200


class ClaimsCursor:
    """Remembers the FHIR `next` link for one payer so a retry can pick up where the last try stopped."""

    def __init__(self, payer_id: str):
        self.payer_id = payer_id
        self._store = get_current_context()["task_state_store"]

    @property
    def key(self) -> str:
        return f"eob_next_link:{self.payer_id}"

    def load(self) -> str | None:
        return self._store.get(self.key)

    def advance(self, next_link: str) -> None:
        self._store.set(self.key, next_link, retention=timedelta(days=3))

    def finish(self) -> None:
        self._store.delete(self.key)


class ClaimsWarehouse:
    MERGE_SQL = """
        MERGE INTO claims.eob AS t
        USING (SELECT PARSE_JSON(column1) AS doc FROM VALUES {values}) AS s
        ON t.eob_id = s.doc:id::string
        WHEN MATCHED THEN UPDATE SET t.payload = s.doc, t.last_updated = s.doc:meta.lastUpdated::timestamp_tz
        WHEN NOT MATCHED THEN INSERT (eob_id, payer_id, payload, last_updated)
            VALUES (s.doc:id::string, s.doc:insurer.identifier.value::string, s.doc, s.doc:meta.lastUpdated::timestamp_tz)
    """

    def __init__(self, conn_id: str = "snowflake_claims"):
        self.hook = SnowflakeHook(snowflake_conn_id=conn_id)

    def merge_claims(self, resources: list[dict]) -> int:
        if not resources:
            return 0
        import json

        values = ",".join("(%s)" for _ in resources)
        self.hook.run(self.MERGE_SQL.format(values=values), parameters=[json.dumps(r) for r in resources])
        return len(resources)


def _session(token: str) -> requests.Session:
    s = requests.Session()
    s.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/fhir+json"})
    s.mount("https://", HTTPAdapter(max_retries=Retry(total=5, backoff_factor=2, status_forcelist=[429, 502, 503])))
    return s


def _next_link(bundle: dict) -> str | None:
    for link in bundle.get("link", []):
        if link.get("relation") == "next":
            return link["url"]
    return None


@dag(
    schedule="0 3 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=10)},
    tags=["claims", "fhir"],
)
def fhir_claims_eob_export():
    @task
    def export_payer_claims(payer_id: str, data_interval_start=None, data_interval_end=None) -> int:
        from airflow.sdk import BaseHook

        token = BaseHook.get_connection("fhir_payer_gateway").password
        session = _session(token)
        cursor = ClaimsCursor(payer_id)
        warehouse = ClaimsWarehouse()

        url = cursor.load() or (
            f"{FHIR_BASE}/ExplanationOfBenefit?insurer={payer_id}"
            f"&_lastUpdated=ge{data_interval_start.isoformat()}&_lastUpdated=lt{data_interval_end.isoformat()}"
            f"&_count={PAGE_SIZE}"
        )
        loaded = 0
        while url:
            resp = session.get(url, timeout=60)
            resp.raise_for_status()
            bundle = resp.json()
            rows = [entry["resource"] for entry in bundle.get("entry", [])]
            next_link = _next_link(bundle)
            if next_link:
                # save the link first so a retry never downloads this page twice
                cursor.advance(next_link)
            loaded += warehouse.merge_claims(rows)
            log.info("payer=%s merged %d EOBs (total %d)", payer_id, len(rows), loaded)
            url = next_link

        cursor.finish()
        return loaded

    export_payer_claims.expand(payer_id=PAYERS)


fhir_claims_eob_export()
