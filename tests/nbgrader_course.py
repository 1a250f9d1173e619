"""Drive nbgrader's real release -> submit -> autograde -> feedback cycle in a temporary folder."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from retrylab.class_grading import submission
from retrylab.tries import zygote
from tests.course_files import COURSE, notebook

Edit = Callable[[nbformat.NotebookNode, dict[str, str]], None]


@dataclass
class Graded:
    root: Path
    assignment: str
    scores: dict[str, dict[str, float]]
    roots: dict[str, Path] = field(default_factory=dict)  # a course folder per student (grade_apart)
    log: str = ""  # what nbgrader autograde printed (its warnings)

    def total(self, student: str) -> float:
        return sum(self.scores[student].values())

    def feedback(self, student: str) -> str:
        root = self.roots.get(student, self.root)
        return (root / "feedback" / student / self.assignment / f"{self.assignment}.html").read_text()

    def autograded(self, student: str) -> nbformat.NotebookNode:
        root = self.roots.get(student, self.root)
        path = root / "autograded" / student / self.assignment / f"{self.assignment}.ipynb"
        return nbformat.read(path, as_version=4)


def solutions_by_id(assignment: str) -> dict[str, str]:
    """Solution cells' code as a learner would hand it in (markers removed)."""
    return {
        c.id: re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION\n", "", c.source + "\n", flags=re.M).rstrip("\n")
        for c in notebook(assignment).cells
        if c.get("metadata", {}).get("nbgrader", {}).get("solution")
    }


def nbgrader(root: Path, *args: str, extra: tuple[str, ...] = (), warm: bool = True) -> subprocess.CompletedProcess[str]:
    """nbgrader for the course, with every folder it writes in ``root`` (the class grader's own driver);
    ``warm``: its graders forked from this process's zygote, as ``make autograde`` and the class grader do."""
    folders = ("release", "submitted", "autograded", "feedback")
    dirs = {f"{name}_directory": root / name for name in folders} | {"gradebook": root / "gradebook.db"}
    with pytest.MonkeyPatch.context() as patch:
        if not warm:  # plain nbgrader: every grader starts cold
            patch.delenv(zygote.SOCKET_ENV, raising=False)
        elif args[0] == "autograde":
            zygote.shared()
        return submission.nbgrader(COURSE, *args, *extra, dirs=dirs, timeout=1200)


def grade(root: Path, assignment: str, students: dict[str, Edit], extra: tuple[str, ...] = (), warm: bool = True) -> Graded:
    """Release the assignment, hand in one edited copy per student, autograde (``warm``: see ``nbgrader``), make
    feedback."""
    root.mkdir(parents=True, exist_ok=True)
    nbgrader(root, "generate_assignment", assignment, "--force")
    release = nbformat.read(root / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    answers = solutions_by_id(assignment)
    for student, edit in students.items():
        copy = nbformat.from_dict(release)
        edit(copy, answers)
        folder = root / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(copy, folder / f"{assignment}.ipynb")
    log = nbgrader(root, "autograde", assignment, "--force", extra=extra, warm=warm).stderr
    nbgrader(root, "generate_feedback", assignment, "--force", warm=warm)
    from nbgrader.api import Gradebook

    scores: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for student in students:
            submission = gradebook.find_submission(assignment, student)
            scores[student] = {g.name: g.score for nb in submission.notebooks for g in nb.grades}
    return Graded(root, assignment, scores, log=log)


def grade_apart(root: Path, assignment: str, students: dict[str, Edit]) -> Graded:
    """Like ``grade``, each student in a course folder of its own, at the same time.

    Autograding a notebook that waits on workers, jobs and a scheduler leaves the CPU idle
    much of the time; two students side by side take little longer than one.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(students)) as pool:
        done = {
            student: pool.submit(grade, root / student, assignment, {student: edit}) for student, edit in students.items()
        }
    results = {student: future.result() for student, future in done.items()}
    return Graded(
        root,
        assignment,
        {student: graded.scores[student] for student, graded in results.items()},
        roots={student: graded.root for student, graded in results.items()},
    )


# -- edits a learner might make ------------------------------------------------
def untouched(nb, answers) -> None:
    """Hand in the release as it is."""


def solved(nb, answers) -> None:
    for cell in nb.cells:
        if cell.id in answers:
            cell.source = answers[cell.id]


def answer_with(cell_id: str, source: str) -> Edit:
    def edit(nb, answers) -> None:
        solved(nb, answers)
        next(c for c in nb.cells if c.id == cell_id).source = source

    return edit


def delete_cell(cell_id: str, then: Edit = solved) -> Edit:
    def edit(nb, answers) -> None:
        then(nb, answers)
        nb.cells = [c for c in nb.cells if c.id != cell_id]

    return edit


def partial(nb, answers) -> None:
    """Every answer but the last one in the notebook, which stays as released."""
    last = [c.id for c in nb.cells if c.id in answers][-1]
    solved(nb, {cell: source for cell, source in answers.items() if cell != last})


def broken(nb, answers) -> None:
    """Every answer, the first code answer with a syntax error in it."""
    solved(nb, answers)
    first = next(c for c in nb.cells if c.id in answers and c.cell_type == "code")
    first.source += "\n(("


def edit_tests_to_pass(nb, answers) -> None:
    """The untouched exercise, with every test cell replaced by `pass`."""
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            cell.source = "pass"


def solution_and_blank(assignment: str, total: float):
    """The round trip of a module whose notebook runs for minutes: two students, two tests.

    The solution scores ``total``; the untouched notebook scores 0 and its feedback says the
    exercise is not done. (Wrong answers are graded in the module's checker tests instead: each
    autograde here runs the whole notebook.) Use as
    ``graded, test_full_marks, test_untouched_scores_zero = solution_and_blank(...)``.
    """

    @pytest.fixture(scope="module")
    def graded(tmp_path_factory) -> Graded:
        return grade_apart(tmp_path_factory.mktemp(f"nbgrader{assignment[:2]}"), assignment, {"solution": solved, "blank": untouched})

    def test_full_marks(graded: Graded) -> None:
        assert graded.total("solution") == total

    def test_untouched_scores_zero(graded: Graded) -> None:
        assert graded.total("blank") == 0
        assert "not done yet" in graded.feedback("blank")

    return graded, test_full_marks, test_untouched_scores_zero
