"""What the grading slice and the zygote save: nbgrader autograde of one solved submission per module, three ways.

For each module: a temporary course folder (nbgrader's generate_assignment from
solutions/), three students handing in the same solved notebook, then nbgrader's
own ``autograde`` once per student: ``full`` runs every cell (plain nbgrader,
``--GradingSlice.enabled=False``), ``sliced`` runs what the grade depends on,
both starting every process cold; ``warm`` is sliced with nbgrader, the grader
and the try runner forked from a zygote that is already running (how
``make grade-class`` and ``make autograde`` grade every submission after the
first; the zygote's own start-up is printed once). Prints the seconds of each,
the cells each ran, and whether the scores agree.

Run: ``.venv/bin/python benchmarks/grading_slice.py [MODULE ...]`` (about 15 minutes for all seven, on 2 cores).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from retrylab import manifest  # noqa: E402
from retrylab.tries import zygote  # noqa: E402
from tests import nbgrader_course as nbc  # noqa: E402 - the round-trip tests' own nbgrader driver


def timed(root: Path, *args: str, warm: bool = True) -> float:
    started = time.monotonic()
    nbc.nbgrader(root, *args, warm=warm)
    return time.monotonic() - started


def executed_cells(root: Path, student: str, module: str) -> int:
    nb = nbformat.read(root / "autograded" / student / module / f"{module}.ipynb", as_version=4)
    return sum(1 for c in nb.cells if c.cell_type == "code" and c.get("execution_count"))


def measure(module: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="retrylab-bench-grading-") as tmp:
        root = Path(tmp)
        nbc.nbgrader(root, "generate_assignment", module, "--force")
        release = nbformat.read(root / "release" / module / f"{module}.ipynb", as_version=4)
        answers = nbc.solutions_by_id(module)
        for student in ("full", "sliced", "warm"):
            folder = root / "submitted" / student / module
            folder.mkdir(parents=True)
            copy = nbformat.from_dict(release)
            nbc.solved(copy, answers)
            nbformat.write(copy, folder / f"{module}.ipynb")
        seconds = {
            "full": timed(root, "autograde", module, "--student", "full", "--GradingSlice.enabled=False", warm=False),
            "sliced": timed(root, "autograde", module, "--student", "sliced", warm=False),
            "warm": timed(root, "autograde", module, "--student", "warm"),
        }
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
            scores = {s: gb.find_submission(module, s).score for s in seconds}
        cells = {s: executed_cells(root, s, module) for s in seconds}
    return {"module": module, "seconds": seconds, "scores": scores, "cells": cells}


def main(argv: list[str]) -> int:
    modules = argv or [m.id for m in manifest.modules()]
    started = time.monotonic()
    zygote.shared()
    print(f"zygote started in {time.monotonic() - started:.1f} s (once per grading session)")
    print(f"{'module':<26}{'full s':>8}{'sliced s':>10}{'warm s':>8}{'saved':>8}{'cells run':>12}  scores")
    totals = {"full": 0.0, "sliced": 0.0, "warm": 0.0}
    agree = True
    for module in modules:
        r = measure(module)
        for way in totals:
            totals[way] += r["seconds"][way]
        full, sliced, warm = (r["seconds"][way] for way in ("full", "sliced", "warm"))
        same = r["scores"]["full"] == r["scores"]["sliced"] == r["scores"]["warm"]
        agree &= same
        print(
            f"{module:<26}{full:>8.1f}{sliced:>10.1f}{warm:>8.1f}{1 - warm / full:>8.0%}"
            f"{r['cells']['full']:>6} -> {r['cells']['sliced']:<3}  "
            + " / ".join(format(r["scores"][way], "g") for way in totals)
            + ("" if same else "  DIFFER"),
            flush=True,
        )
    full, sliced, warm = totals["full"], totals["sliced"], totals["warm"]
    print(f"{'all':<26}{full:>8.1f}{sliced:>10.1f}{warm:>8.1f}{1 - warm / full:>8.0%}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
