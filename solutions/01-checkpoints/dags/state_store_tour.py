"""What task_state_store accepts, and how long it keeps it."""
from datetime import datetime, timedelta

from airflow.sdk import DAG, NEVER_EXPIRE, task

from retrylab.world import note

with DAG(dag_id="state_store_tour", schedule=None, start_date=datetime(2025, 1, 1), catchup=False):

    @task
    def tour(task_state_store=None):
        task_state_store.set("cursor", 6696)
        note("get('cursor')", task_state_store.get("cursor"))
        note("get('missing', 0)", task_state_store.get("missing", 0))

        for label, value in [("None", None), ("a datetime", datetime(2025, 1, 1)), ("a tuple", (1, 2))]:
            try:
                task_state_store.set("attempt", value)
                note(f"set {label}", "accepted")
            except Exception as exc:  # the tour records the error instead of failing
                note(f"set {label}", type(exc).__name__)
        task_state_store.set("as_iso_string", datetime(2025, 1, 1).isoformat())

        try:
            task_state_store.set("ttl", "x", retention=3600)
        except TypeError:
            note("retention as int", "TypeError: use a timedelta")
        task_state_store.set("one_hour", "x", retention=timedelta(hours=1))
        task_state_store.set("forever", "x", retention=NEVER_EXPIRE)
        task_state_store.set("default", "x")
        task_state_store.set("expired", "still readable", retention=timedelta(0))
        note("get('expired')", task_state_store.get("expired"))

    tour()
