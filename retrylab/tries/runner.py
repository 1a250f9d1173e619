"""The try runner: a process that runs DAGs with ``dag.test(use_executor=True)``, each try in a fork of its own.

It is the only process besides the tries themselves that imports the graded
DAG file (``dag.test()`` parses it), so it is treated as the submission's:
it answers what Airflow did (the run id and state), and the grader reads
everything it judges from the world service and Airflow's metadata DB.

Protocol: one JSON object per line. ``{"ready": true}`` once Airflow and its
in-process execution API are warm; then requests ``{"op": "run" | "describe"
| "probe", ...}``, each answered by one line. Anything the DAG's code prints
goes to the log, never to the answer channel.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

from retrylab import guards
from retrylab.stack import signal_when_parent_dies
from retrylab.tries import fastapi_overrides

HEARTBEAT_S = 0.05  # how soon the task supervisor notices its try ended (Airflow's setting takes whole seconds)


def warm() -> None:
    """Import Airflow and build its in-process execution API's routes now (seconds), not in the first run.

    Done in this thread, before any other starts, so that a zygote can fork a warm runner (``zygote.py``)."""
    from airflow.dag_processing.dagbag import DagBag  # noqa: F401
    from airflow.sdk.execution_time import supervisor, task_runner  # noqa: F401 - what every try imports

    supervisor.MIN_HEARTBEAT_INTERVAL = HEARTBEAT_S  # type: ignore[assignment]
    fastapi_overrides.install()  # every try's API calls: a tenth to a fifth of a graded run's CPU
    app = supervisor.in_process_api_server().app
    if not getattr(app, "_cadwyn_initialized", True):  # Cadwyn builds its versioned routes on the first request
        app._cadwyn_initialize()


def main() -> None:
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # Airflow, the tasks and the DAG's own prints go to the log
    signal_when_parent_dies(signal.SIGKILL)
    guards.install_task_policy()
    warm()
    from airflow.dag_processing.dagbag import DagBag

    answers.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        try:
            reply = OPS[request["op"]](DagBag, request)
        except Exception as exc:  # noqa: BLE001 - reported to the grader, which explains it
            reply = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc(limit=-3)}
        answers.write(json.dumps(reply, default=str) + "\n")


def _bag(dag_bag_cls, dag_file: str):
    path = Path(dag_file)
    return dag_bag_cls(dag_folder=str(path), bundle_path=path.parent, safe_mode=False)


def run(dag_bag_cls, request: dict[str, Any]) -> dict[str, Any]:
    os.environ[guards.TIME_LIMIT_ENV] = str(request["time_limit"])
    bag = _bag(dag_bag_cls, request["dag_file"])
    if bag.import_errors:
        return {"import_error": next(iter(bag.import_errors.values()))}
    dag_run = bag.dags[request["dag_id"]].test(use_executor=True)
    return {"run_id": dag_run.run_id, "state": str(getattr(dag_run.state, "value", dag_run.state))}


def describe(dag_bag_cls, request: dict[str, Any]) -> dict[str, Any]:
    """The DAGs of a file and their tasks, as Airflow parsed them (ids, classes, retries)."""
    bag = _bag(dag_bag_cls, request["dag_file"])
    if bag.import_errors:
        return {"import_error": next(iter(bag.import_errors.values()))}
    return {
        "dags": {
            dag_id: {
                task.task_id: {
                    "class": type(task).__name__ if hasattr(task, "execute") else task.operator_class.__name__,
                    "retries": task.retries or 0,
                    "retry_delay": task.retry_delay.total_seconds() if task.retry_delay else 0.0,
                    "mapped": not hasattr(task, "execute"),
                    # a class the DAG file itself defines (DagBag imports it as unusual_prefix_<sha>_<name>)
                    "own_class": type(task).__module__.startswith("unusual_prefix_"),
                }
                for task in dag.tasks
            }
            for dag_id, dag in bag.dags.items()
        }
    }


def probe(dag_bag_cls, request: dict[str, Any]) -> dict[str, Any]:
    """What an operator's own methods answer about real jobs and each status (module 03's diagnosis)."""
    task = _bag(dag_bag_cls, request["dag_file"]).dags[request["dag_id"]].task_dict[request["task_id"]]
    answers: dict[str, Any] = {}
    for call, args in [("get_job_status", [job_id, {}]) for job_id in request["job_ids"]] + [
        (method, [status]) for status in request["statuses"] for method in ("is_job_active", "is_job_succeeded")
    ]:
        try:
            answers[f"{call}({args[0]!r})"] = {"ok": getattr(task, call)(*args)}
        except Exception as exc:  # noqa: BLE001 - the answer is the error
            answers[f"{call}({args[0]!r})"] = {"error": f"{type(exc).__name__}: {exc}"}
    return {"answers": answers}


OPS = {"run": run, "describe": describe, "probe": probe}

if __name__ == "__main__":
    main()
