"""The class-grading DAG: one mapped task per submission, each resumable through ``task_state_store``.

``python -m retrylab.class_grading`` copies this file into its deployment's DAGs folder and triggers it with
the course folder, the submissions and a work folder in the run's conf. A grading task keeps where it got to
in its task state, which survives its retries (XCom would not: it is cleared when a try starts):

- ``stage = "autograded"`` once nbgrader's autograde and feedback of the submission are complete in the
  task's own folder: a retry after that (the worker died while recording) records them, without grading the
  notebook again;
- ``stage = "recorded"`` once the scores are in the class's gradebook: a retry just reports them.

A task that finished is never run again in its DAG run, so a grader killed halfway (scheduler, workers and
all) resumes, when it starts again, with what it had not finished.
"""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import timedelta
from pathlib import Path

from airflow.sdk import dag, get_current_context, task

from retrylab.class_grading import CRASH_ENV, DAG_ID, LEDGER, WORKER_ENV


def _log(work: Path, event: str, label: str, try_number: int) -> None:
    with open(work / LEDGER, "a") as f:
        worker = os.environ.get(WORKER_ENV, "?")
        f.write(json.dumps({"event": event, "submission": label, "try": try_number, "worker": worker, "at": time.time()}) + "\n")


@dag(dag_id=DAG_ID, schedule=None, catchup=False, max_active_runs=1, tags=["retrylab"])
def grade_class():
    @task
    def submissions() -> list[dict]:
        return get_current_context()["dag_run"].conf["submissions"]

    @task(
        retries=2,
        retry_delay=timedelta(seconds=2),
        execution_timeout=timedelta(minutes=30),
        map_index_template="{{ submission_label }}",
    )
    def grade(submission: dict, task_state_store=None) -> dict:
        from retrylab.class_grading.submission import autograde, record
        from retrylab.class_grading.submissions import Submission

        context = get_current_context()
        conf = context["dag_run"].conf
        root, work = Path(conf["course"]), Path(conf["work"])
        sub = Submission(**submission)
        context["submission_label"] = sub.label
        folder = work / sub.module / sub.student
        try_number = context["ti"].try_number

        stage = task_state_store.get("stage")
        if stage not in ("autograded", "recorded"):
            _log(work, "autograde", sub.label, try_number)
            autograde(root, folder, sub)
            task_state_store.set("stage", "autograded")
            if os.environ.get(CRASH_ENV) == f"after_autograde:{sub.label}" and try_number == 1:
                os.kill(os.getpid(), signal.SIGKILL)  # a worker lost between grading and recording
        if stage != "recorded":
            score = record(root, folder, sub)
            task_state_store.set("stage", "recorded")
            task_state_store.set("score", score)
        _log(work, "recorded", sub.label, try_number)
        return {**sub.to_json(), "score": task_state_store.get("score")}

    grade.expand(submission=submissions())


grade_class()
