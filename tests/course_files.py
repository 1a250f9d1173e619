"""Read the course's own DAGs out of the solution notebooks, so tests check what learners see."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import nbformat

from retrylab.class_grading.nbgrader_steps import KERNEL_DIED

COURSE = Path(__file__).resolve().parents[1]
T = TypeVar("T")


def once_more_if_the_kernel_died_at_start(start: Callable[[], T]) -> T:
    """``start()``, and a second time if its kernel died before its first reply (nothing had run yet).

    jupyter_client picks free TCP ports and the kernel binds them a moment later; with kernels, API servers and
    browsers starting on four workers at once, another process can take one first (nbval's kernel once errored all 32
    cells of module 03 in CI; two papermill runs started together the same way). Not the course's doing. nbgrader's
    runs retry the same way (retrylab.class_grading.nbgrader_steps).
    """
    try:
        return start()
    except RuntimeError as exc:
        if KERNEL_DIED not in str(exc):
            raise
        return start()


def notebook(module: str) -> nbformat.NotebookNode:
    return nbformat.read(COURSE / "solutions" / module / f"{module}.ipynb", as_version=4)


def dag_files(module: str, *, first: bool = False) -> dict[str, str]:
    """Every ``%%writefile dags/<filename>`` cell of a module: filename -> the text it writes, solution markers removed.

    A file written twice (module 06 writes the repository as inherited, then the fixes) maps to the last text, or
    with ``first`` to the first."""
    files: dict[str, str] = {}
    for cell in notebook(module).cells:
        first_line, _, body = cell.source.partition("\n")
        if cell.cell_type == "code" and first_line.strip().startswith("%%writefile dags/"):
            name = first_line.strip()[len("%%writefile dags/"):]
            if first and name in files:
                continue
            files[name] = re.sub(r"^\s*### (BEGIN|END) SOLUTION\n", "", body + "\n", flags=re.M)
    return files


def dag_source(module: str, filename: str) -> str:
    """The text a ``%%writefile dags/<filename>`` cell writes, solution markers removed."""
    try:
        return dag_files(module)[filename]
    except KeyError:
        raise LookupError(f"{module} writes no dags/{filename}") from None


def write(folder: Path, filename: str, source: str) -> Path:
    path = folder / filename
    path.write_text(source)
    return path


def execute_solution(module: str, parameters: dict, tmp_path: Path) -> None:
    """Run a solution notebook with papermill and new parameters; fail on any error output."""
    import shutil

    import papermill

    work = tmp_path / module
    shutil.copytree(COURSE / "solutions" / module, work, ignore=shutil.ignore_patterns(".sandbox", "dags"))
    out = once_more_if_the_kernel_died_at_start(
        lambda: papermill.execute_notebook(
            str(work / f"{module}.ipynb"),
            str(work / "executed.ipynb"),
            parameters=parameters,
            cwd=str(work),
            kernel_name="python3",
            progress_bar=False,
        )
    )
    errors = [o for c in out.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors


def fresh_copy(into):
    """The course files git knows of (timestamps kept, so make sees the environment as up to date) and its .venv."""
    import shutil
    import subprocess

    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=COURSE, capture_output=True, text=True, check=True).stdout
    for name in filter(None, files.split("\0")):
        if not (COURSE / name).is_file():
            continue  # deleted in the working tree
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(COURSE / name, target)
    (into / ".venv").symlink_to(COURSE / ".venv")
    return into
