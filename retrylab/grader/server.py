"""The grader process: grade DAG files for a kernel, never importing them (see ``__init__.py``).

Protocol: one JSON object per line. ``{"ready": true}`` once its sandbox is
open; then requests ``{"module", "dag_file", "shown_as", "suite", "hidden", "only"}``,
answered by ``{"progress": "."}`` lines while the matrix runs and one
``{"verdict": ...}`` or ``{"error": ...}``.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any, TextIO

from retrylab.stack import signal_when_parent_dies


def sandbox_of(root: Path):
    """The sandbox a grader rooted at ``root`` grades in."""
    from retrylab import sandbox

    return sandbox.Sandbox(root=root.resolve(), dags=root.resolve() / "dags")


def main(root: Path) -> None:
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever prints (Airflow, a library) goes to the log
    signal_when_parent_dies(signal.SIGTERM)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    from retrylab import sandbox

    box = sandbox.create(root, sandbox_of(root).dags)
    sandbox.activate(box)
    from retrylab.tries.lab import IsolatedLab

    lab = IsolatedLab(box)
    try:
        answers.write(json.dumps({"ready": True}) + "\n")
        for line in sys.stdin:
            answers.write(json.dumps(handle(lab, json.loads(line), answers)) + "\n")
    finally:
        lab.close()


def handle(lab: Any, request: dict[str, Any], answers: TextIO) -> dict[str, Any]:
    from retrylab import grading

    try:
        verdict = grading.grade(
            lab,
            request["module"],
            Path(request["dag_file"]),
            suite=request.get("suite"),
            hidden=bool(request.get("hidden")),
            only=tuple(request.get("only", ())),
            fail_fast=bool(request.get("fail_fast")),
            shown_as=request.get("shown_as"),
            progress=lambda text: answers.write(json.dumps({"progress": text}) + "\n"),
        )
    except (KeyError, ValueError) as exc:
        return {"error": str(exc.args[0] if exc.args else exc)}
    return {"verdict": json.loads(verdict.to_json())}


if __name__ == "__main__":
    main(Path(sys.argv[1]))
