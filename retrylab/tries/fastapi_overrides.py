"""Reuse FastAPI's dependency graphs per request when an app has dependency overrides.

Why: Airflow's in-process execution API (what every try talks to) sets four
``dependency_overrides``, and while an app has any, FastAPI 0.136 rebuilds the
graph of every dependency on every request (``get_dependant``: signature
inspection and pydantic fields), about a tenth of a graded run's CPU.
``get_dependant`` depends only on its arguments, so the graph built the first
time is the one every later request would build. Upstream: fastapi#14441 and
fastapi#16342 (not merged); drop this when the locked FastAPI stops rebuilding.

Only the calls ``solve_dependencies`` makes per request are cached: the ones
that declare routes build graphs their caller then edits, and stay as they are.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

_lock = threading.Lock()


def install() -> None:
    """Idempotent; in this process and the tries it forks."""
    from fastapi.dependencies import utils

    if getattr(utils.get_dependant, "_retrylab_cached", False):
        return
    build = utils.get_dependant
    per_request = utils.solve_dependencies.__code__
    graphs: dict[tuple, Any] = {}

    def get_dependant(**kwargs: Any) -> Any:
        if sys._getframe(1).f_code is not per_request:
            return build(**kwargs)
        key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items()))
        graph = graphs.get(key)
        if graph is None:
            with _lock:
                graph = graphs.setdefault(key, build(**kwargs))
        return graph

    get_dependant._retrylab_cached = True  # type: ignore[attr-defined]
    get_dependant.graphs = graphs  # type: ignore[attr-defined] - what it keeps (the tests read it)
    utils.get_dependant = get_dependant
