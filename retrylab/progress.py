"""A learner's progress: the outcome of each module's last self-check.

Why a file per sandbox: the self-check already knows the verdict, so writing
it down costs nothing, and ``retrylab progress`` can answer at once without
running Airflow.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

FILE = "progress.json"


def record(sandbox_root: Path, module: str, passed: bool, failing: list[str]) -> None:
    path = Path(sandbox_root) / FILE
    path.write_text(
        json.dumps(
            {"module": module, "passed": passed, "failing": failing, "checked_at": time.strftime("%Y-%m-%d %H:%M")},
            indent=1,
        )
    )


def read(course: Path) -> list[dict]:
    """One row per module folder in ``course/notebooks``."""
    rows = []
    for folder in sorted(p for p in (course / "notebooks").glob("[0-9][0-9]-*") if p.is_dir()):
        state = folder / ".sandbox" / FILE
        if not state.exists():
            rows.append({"module": folder.name, "status": "not checked yet"})
            continue
        data = json.loads(state.read_text())
        status = (
            f"done (checked {data['checked_at']})"
            if data["passed"]
            else f"in progress: failing {', '.join(data['failing'])} (checked {data['checked_at']})"
        )
        rows.append({"module": folder.name, "status": status, **data})
    return rows
