"""Retry-Safe Airflow: the lab shared by the notebooks, graders, tests and CLI."""

from __future__ import annotations

from pathlib import Path

from retrylab import sandbox, startup, versions
from retrylab.diagnosis import DagFileError

__all__ = ["DagFileError", "exercise", "open_lab", "operations_exercise"]
__version__ = "0.1.0"

_LAB = None


def open_lab(root: str | Path = ".sandbox", dags: str | Path = "dags"):
    """Open this process's lab: a private sandbox, then Airflow imported inside it.

    Call it once, first, in a notebook or process: Airflow reads its settings
    when imported. A second call with the same folders returns the same lab.

    Airflow's in-process API is not warmed up in a background thread: doing so
    races SQLAlchemy's mapper configuration against imports in the main thread
    and deadlocks (seen with Airflow 3.3.2), so the first run pays ~3.5 s.
    """
    global _LAB
    versions.check().raise_if_closed()
    root, dags = Path(root).resolve(), Path(dags).resolve()
    if _LAB is not None:
        if _LAB.box.root != root or _LAB.box.dags != dags:
            raise sandbox.SandboxError(
                f"This process already has a lab in {_LAB.box.root}; restart the kernel to open another."
            )
        return _LAB
    box = sandbox.create(root, dags)
    sandbox.activate(box)
    startup.begin()  # ends after the first run, when Airflow is fully started
    with sandbox.captured_logs(box):
        import airflow  # noqa: F401 - configures its logging to the stream it finds now

    from retrylab.runs import Lab

    _LAB = Lab(box)
    return _LAB



def exercise(sandbox_root: str | Path, module: str, dag_file: str | Path):
    """The graded exercise of ``module`` for the DAG in ``dag_file``: ``check()``, ``hint()``, ``grade()``."""
    from retrylab.exercises import Exercise

    return Exercise(Path(sandbox_root), module, dag_file)


def operations_exercise(lab, clear_all_map_indices, settings):
    """Module 05's operations exercise (code an operator runs, checked against the lab's real API server)."""
    from retrylab.exercises import OperationsExercise

    return OperationsExercise(lab, clear_all_map_indices, settings)
