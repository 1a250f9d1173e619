"""What is wrong with a DAG file that cannot run, in words a learner can act on."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from retrylab.errors import LabError

MAX_RETRY_DELAY = timedelta(seconds=10)


class DagFileError(LabError):
    """The DAG file cannot be run; the message says what is wrong in it."""


def refuse_long_retry_delays(tasks: dict[str, tuple[int, float]]) -> None:
    """dag.test() really waits retry_delay between tries; 5 minutes would look like a hang.

    ``tasks`` maps each task id to its (retries, retry_delay in seconds).
    """
    for task_id, (retries, delay) in tasks.items():
        if retries and delay > MAX_RETRY_DELAY.total_seconds():
            raise DagFileError(
                f"Task {task_id!r} has retry_delay={timedelta(seconds=delay)} (Airflow's default is 5 minutes), "
                "and dag.test() really waits that long between tries. In this course set "
                "retry_delay=timedelta(seconds=0) so retries run at once."
            )


def explain_import_error(path: Path, raw: str) -> str:
    """Turn DagBag's traceback text into a sentence a learner can act on."""
    lines = [line for line in raw.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else raw
    if "NotImplementedError" in last:
        return (
            f"{path.name} is not done yet: it still contains the placeholder "
            "`raise NotImplementedError()`. Replace it with your code, run the cell, then check again."
        )
    if "SyntaxError" in raw or "IndentationError" in raw:
        where = next((line.strip() for line in lines if "line " in line and path.name in line), "")
        return f"{path.name} has a syntax error, so Airflow cannot load it. {where} {last}".replace("  ", " ")
    return f"Airflow could not import {path.name}: {last}"
