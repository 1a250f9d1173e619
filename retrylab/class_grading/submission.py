"""Grade one submission with nbgrader's own ``autograde`` in a folder of its own, then copy the result into the
class's gradebook.

Why a folder of its own: nbgrader's gradebook is one SQLite file and its autograde a process that owns the
folders it writes; several at once in one course folder would fight over both. Each grading gets a copy of
the class's gradebook (the assignments' definitions) and writes its autograded notebook and feedback beside
it; ``record`` then copies the scores and comments into the class's gradebook (under a lock) and the files
into the class's folders, where formgrader, ``make feedback`` and ``make grades`` find them.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

from retrylab import course
from retrylab.class_grading.nbgrader_steps import KERNEL_DIED
from retrylab.class_grading.submissions import Submission
from retrylab.hub import COURSE_ID

# What a grading task inherits from the Airflow that runs it and must not hand to the notebook it grades
# (the notebook starts an Airflow of its own, in its own sandbox).
_NOT_FOR_THE_NOTEBOOK = ("AIRFLOW", "RETRYLAB_WORLD", "RETRYLAB_TIME_LIMIT", "RETRYLAB_ALLOW_KILL", "RETRYLAB_GRADING")


def gradebook(root: Path) -> Path:
    """The class's gradebook in the course ``root``."""
    return root / "grading" / "gradebook.db"


def notebook_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(_NOT_FOR_THE_NOTEBOOK)}


def _options(dirs: dict[str, Path]) -> list[str]:
    """nbgrader's options that move the course's folders (``dirs``: ``autograded_directory``, ``db_url``'s file as
    ``gradebook``...)."""
    return [
        f"--CourseDirectory.db_url=sqlite:///{path}" if name == "gradebook" else f"--CourseDirectory.{name}={path}"
        for name, path in dirs.items()
    ]


def _run(root: Path, args: list[str], what: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """``python args`` in the course's grading/ folder; raises with what it said when it fails."""
    proc = course.run_in_grading(args, course=root, env=notebook_env(), timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    return proc


def nbgrader(root: Path, *args: str, dirs: dict[str, Path], timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    """``nbgrader args...`` for the course ``root`` with its folders moved (``dirs``); raises with nbgrader's
    messages when it fails."""
    command = ["-m", "nbgrader", *args, *_options(dirs)]
    try:
        return _run(root, command, f"nbgrader {args[0]}", timeout)
    except RuntimeError as failed:
        if KERNEL_DIED not in str(failed):  # see nbgrader_steps: a kernel that lost a race for its port
            raise
        return _run(root, command, f"nbgrader {args[0]}", timeout)


@contextlib.contextmanager
def class_gradebook_lock(root: Path) -> Iterator[None]:
    """One writer at a time on the class's gradebook (SQLite), across processes."""
    with open(gradebook(root).with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def autograde(root: Path, folder: Path, sub: Submission) -> None:
    """nbgrader autograde and generate_feedback of ``sub`` in ``folder`` (emptied first), in one process."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with class_gradebook_lock(root), sqlite3.connect(gradebook(root)) as source, sqlite3.connect(folder / "gradebook.db") as copy:
        source.backup(copy)
    dirs = {
        "submitted_directory": root / "grading" / "submitted",
        "autograded_directory": folder / "autograded",
        "feedback_directory": folder / "feedback",
        "gradebook": folder / "gradebook.db",
    }
    steps = ["-m", "retrylab.class_grading.nbgrader_steps", sub.module, sub.student, *_options(dirs)]
    _run(root, steps, "nbgrader autograde and generate_feedback", timeout=3600)


def record(root: Path, folder: Path, sub: Submission) -> float:
    """Copy ``sub``'s grades from ``folder`` into the class's gradebook and folders; returns its score.

    What nbgrader's own SaveAutoGrades would write: the autograder's score (a grader's manual score is kept,
    and the cell marked for review), the automatic comment, the submission's time and late penalty."""
    from nbgrader.api import Gradebook

    with class_gradebook_lock(root):
        with Gradebook(f"sqlite:///{folder / 'gradebook.db'}", COURSE_ID) as mine, Gradebook(
            f"sqlite:///{gradebook(root)}", COURSE_ID
        ) as theirs:
            graded = mine.find_submission(sub.module, sub.student)
            theirs.update_or_create_student(sub.student)
            theirs.update_or_create_submission(sub.module, sub.student, timestamp=graded.timestamp)
            for nb in graded.notebooks:
                for grade in nb.grades:
                    target = theirs.find_grade(grade.name, nb.name, sub.module, sub.student)
                    target.auto_score = grade.auto_score
                    target.needs_manual_grade = target.manual_score is not None or grade.auto_score is None
                for comment in nb.comments:
                    theirs.find_comment(comment.name, nb.name, sub.module, sub.student).auto_comment = comment.auto_comment
                theirs.find_submission_notebook(nb.name, sub.module, sub.student).late_submission_penalty = (
                    nb.late_submission_penalty
                )
            theirs.db.commit()
            score = theirs.find_submission(sub.module, sub.student).score
        for kind in ("autograded", "feedback"):
            mine_dir = folder / kind / sub.student / sub.module
            target_dir = root / "grading" / kind / sub.student / sub.module
            if mine_dir.is_dir():
                shutil.rmtree(target_dir, ignore_errors=True)
                shutil.copytree(mine_dir, target_dir, ignore=shutil.ignore_patterns(".sandbox"))  # the run's Airflow
    return score
