# lint-expect: RS703
# why: export_actuals_to_sheet reaches get_current_context()["asset_state_store"] but the @task declares no inlets or outlets -- the DAG being scheduled on GL_ENTRIES does not count -- so the lookup raises KeyError on every try. The sheet write is a clear-then-update full refresh (idempotent) and the stored value is an int taken from the data.
"""Pushes month-to-date actuals from the general ledger into the finance team's budget sheet."""

from __future__ import annotations

import logging
from datetime import timedelta

import pendulum
from google.oauth2 import service_account
from googleapiclient.discovery import build

from airflow.sdk import DAG, Asset, BaseHook, get_current_context, task
from airflow.providers.postgres.hooks.postgres import PostgresHook

log = logging.getLogger(__name__)

GL_ENTRIES = Asset("postgres://finance-dw/gl/journal_entries")
SPREADSHEET_ID = "1qP8xYz3Vd9nHcR2bWk4sLmE0tA7uFgJhKiOpQrStUv"
SHEET_RANGE = "Actuals MTD!A2:F"


def _sheets():
    info = BaseHook.get_connection("gcp_finance_sheets").extra_dejson["keyfile_dict"]
    creds = service_account.Credentials.from_service_account_info(
        info, scopes=["https://www.googleapis.com/auth/spreadsheets"]
    )
    return build("sheets", "v4", credentials=creds, cache_discovery=False).spreadsheets()


with DAG(
    dag_id="sheets_budget_export",
    schedule=[GL_ENTRIES],
    start_date=pendulum.datetime(2025, 1, 1, tz="Europe/Berlin"),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["finance", "gsheets"],
):

    @task
    def export_actuals_to_sheet() -> dict:
        ctx = get_current_context()
        gl_state = ctx["asset_state_store"][GL_ENTRIES]
        exported_up_to = gl_state.get("sheets_exported_entry_id", 0)

        hook = PostgresHook(postgres_conn_id="finance_dw")
        newest = hook.get_first("SELECT max(entry_id) FROM gl.journal_entries")[0] or 0
        if newest <= exported_up_to:
            log.info("no new journal entries since %s", exported_up_to)
            return {"rows": 0}

        rows = hook.get_records(
            """
            SELECT cost_center, account, account_name, to_char(date_trunc('month', posted_on), 'YYYY-MM'),
                   sum(amount_eur)::text, count(*)
            FROM gl.journal_entries
            WHERE posted_on >= date_trunc('month', now()) AND entry_id <= %s
            GROUP BY 1, 2, 3, 4 ORDER BY 1, 2
            """,
            parameters=(newest,),
        )
        sheets = _sheets()
        sheets.values().clear(spreadsheetId=SPREADSHEET_ID, range=SHEET_RANGE).execute()
        sheets.values().update(
            spreadsheetId=SPREADSHEET_ID, range=SHEET_RANGE, valueInputOption="USER_ENTERED",
            body={"values": [list(r) for r in rows]},
        ).execute()

        gl_state.set("sheets_exported_entry_id", newest)
        return {"rows": len(rows), "up_to_entry": newest}

    export_actuals_to_sheet()
