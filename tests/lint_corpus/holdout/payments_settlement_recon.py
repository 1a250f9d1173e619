# lint-expect: RS701 RS702
# why: reconcile_settlements checkpoints a set (done_batches), a Decimal (running_total) and None (in_flight_batch at the end) with task_state_store.set -- none is JSON (RS701); every set passes an int retention (86400 literally, or ONE_DAY = 86400), which 3.3 rejects with TypeError (RS702). Write-then-checkpoint order and the upsert sink are right.
"""Matches acquirer settlement batches against ledger captures and records the differences."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

import pendulum

from airflow.sdk import dag, task
from airflow.providers.postgres.hooks.postgres import PostgresHook

log = logging.getLogger(__name__)

ONE_DAY = 86400

UPSERT_MATCH = """
INSERT INTO recon.settlement_matches (batch_id, capture_id, settled_amount, captured_amount, status)
VALUES (%(batch_id)s, %(capture_id)s, %(settled)s, %(captured)s, %(status)s)
ON CONFLICT (batch_id, capture_id) DO UPDATE
SET settled_amount = EXCLUDED.settled_amount, captured_amount = EXCLUDED.captured_amount, status = EXCLUDED.status
"""


def _settlement_batches(hook: PostgresHook, day: str) -> list[dict]:
    rows = hook.get_records(
        "SELECT batch_id, acquirer, total_amount FROM acquirer.settlement_batches WHERE settlement_date = %s "
        "ORDER BY batch_id",
        parameters=(day,),
    )
    return [{"batch_id": r[0], "acquirer": r[1], "amount": Decimal(r[2])} for r in rows]


def _match_batch(hook: PostgresHook, batch_id: str) -> list[dict]:
    rows = hook.get_records(
        """
        SELECT s.batch_id, c.capture_id, s.amount, c.amount,
               CASE WHEN c.capture_id IS NULL THEN 'missing_capture'
                    WHEN s.amount <> c.amount THEN 'amount_mismatch' ELSE 'matched' END
        FROM acquirer.settlement_lines s
        LEFT JOIN ledger.captures c ON c.psp_reference = s.psp_reference
        WHERE s.batch_id = %s
        """,
        parameters=(batch_id,),
    )
    return [dict(zip(("batch_id", "capture_id", "settled", "captured", "status"), r)) for r in rows]


@dag(
    schedule="0 9 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="Europe/London"),
    catchup=True,
    max_active_runs=3,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=5)},
    tags=["payments", "reconciliation"],
)
def payments_settlement_recon():
    @task
    def reconcile_settlements(ds=None, task_state_store=None) -> dict:
        hook = PostgresHook(postgres_conn_id="payments_recon")
        done_batches = set(task_state_store.get("done_batches", []))
        total = Decimal(str(task_state_store.get("running_total", "0")))

        for batch in _settlement_batches(hook, ds):
            if batch["batch_id"] in done_batches:
                continue
            task_state_store.set("in_flight_batch", batch["batch_id"], retention=ONE_DAY)
            matches = _match_batch(hook, batch["batch_id"])
            conn = hook.get_conn()
            with conn, conn.cursor() as cur:
                cur.executemany(UPSERT_MATCH, matches)
            done_batches.add(batch["batch_id"])
            total += batch["amount"]
            task_state_store.set("done_batches", done_batches, retention=86400)
            task_state_store.set("running_total", total, retention=ONE_DAY)

        task_state_store.set("in_flight_batch", None, retention=ONE_DAY)
        log.info("reconciled %d batches, %s settled", len(done_batches), total)
        return {"batches": len(done_batches), "settled_total": str(total)}

    reconcile_settlements()


payments_settlement_recon()
