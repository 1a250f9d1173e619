"""Retry-Safe Airflow: the lab shared by the notebooks, graders, tests and CLI."""

from __future__ import annotations

import threading
from pathlib import Path

from retrylab import sandbox, versions

__all__ = ["open_lab"]
__version__ = "0.1.0"

_LAB = None


def open_lab(root: str | Path = ".sandbox", dags: str | Path = "dags", *, warm: bool = True):
    """Open this process's lab: a private sandbox, then Airflow imported inside it.

    Call it once, first, in a notebook or process: Airflow reads its settings
    when imported. A second call with the same folders returns the same lab.
    ``warm`` builds Airflow's in-process API in the background, so the first
    run is faster when the learner reads before running the next cell.
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
    with sandbox.captured_logs(box):
        import airflow  # noqa: F401 - configures its logging to the stream it finds now

    from retrylab.runs import Lab

    _LAB = Lab(box)
    if warm:
        threading.Thread(target=_warm_api, name="retrylab-warm-api", daemon=True).start()
    return _LAB


def _warm_api() -> None:
    """Build the in-process execution API (about 3 s of route generation) ahead of need."""
    try:
        import httpx
        from airflow.sdk.execution_time.supervisor import in_process_api_server

        api = in_process_api_server()
        httpx.Client(transport=api.transport, base_url="http://in-process.invalid./").get("/health")
    except Exception:  # warming is an optimisation; the first run builds it anyway
        pass
