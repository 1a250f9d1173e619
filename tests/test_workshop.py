"""The instructor's path, exactly as README gives it, on a fresh copy of the course with a small class."""

from __future__ import annotations

import csv
import os
import re
import subprocess

import nbformat
import pytest

from tests import nbgrader_course as nbc
from tests.course_files import COURSE, fresh_copy

pytestmark = pytest.mark.timeout(900)

MODULE = "00-orientation"
CELL = "hello-retries-dag"


def readme_instructor_commands() -> list[str]:
    readme = (COURSE / "README.md").read_text()
    section = readme.split("## For instructors", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)[1]
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.startswith("make ")]


def hand_in(course, students):
    """Each student's edited copy of the released notebook, named as an LMS download (<student>_<module>.ipynb)."""
    released = nbformat.read(course / "notebooks" / MODULE / f"{MODULE}.ipynb", as_version=4)
    answers = nbc.solutions_by_id(MODULE)
    archive = course / "grading" / "downloaded" / MODULE / "archive"
    archive.mkdir(parents=True)
    for student, edit in students.items():
        copy = nbformat.from_dict(released)
        edit(copy, answers)
        nbformat.write(copy, archive / f"{student}_{MODULE}.ipynb")


@pytest.fixture(scope="module")
def workshop(tmp_path_factory):
    course = fresh_copy(tmp_path_factory.mktemp("workshop"))
    solution = nbc.solutions_by_id(MODULE)[CELL]
    hand_in(
        course,
        {
            "ada": nbc.solved,
            "bo": nbc.answer_with(CELL, solution.replace("seconds=0", "seconds=3")),  # survives, but waits
            "cy": nbc.untouched,
            "di": nbc.answer_with(CELL, solution.replace("retries=2,", "retries=2")),  # a syntax error
        },
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    logs = []
    for command in readme_instructor_commands():
        proc = subprocess.run(command.split(), cwd=course, capture_output=True, text=True, env=env, timeout=800)
        logs.append(f"$ {command}\n{proc.stdout}{proc.stderr}")
        assert proc.returncode == 0, logs[-1][-4000:]
    return course, "\n".join(logs)


def test_readme_gives_the_whole_instructor_path():
    targets = [c.split()[1] for c in readme_instructor_commands()]
    assert targets == ["assignments", "collect", "autograde", "grade-class", "feedback", "grades"]


def test_notebooks_are_untouched_and_every_module_is_in_the_gradebook(workshop):
    course, log = workshop
    assert subprocess.run(["git", "diff", "--quiet", "--no-index", str(COURSE / "notebooks"), str(course / "notebooks")]).returncode == 0
    from retrylab.manifest import modules

    assert f"The gradebook has {len(modules())} assignments" in log


def test_scores_in_the_csv(workshop):
    course, _log = workshop
    with open(course / "grading" / "grades.csv", newline="") as f:
        rows = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(f)}
    scores = {student: float(rows[(student, MODULE)]["score"]) for student in ("ada", "bo", "cy", "di")}
    assert scores["ada"] == float(rows[("ada", MODULE)]["max_score"]) == 3
    assert 0 < scores["bo"] < 3
    assert scores["cy"] == scores["di"] == 0


def test_feedback_names_the_symptom_and_hides_the_grading_machine(workshop):
    course, _log = workshop
    html = {s: (course / "grading" / "feedback" / s / MODULE / f"{MODULE}.html").read_text() for s in ("ada", "bo", "cy", "di")}
    assert "started 3." in html["bo"] or re.search(r"started \d+\.\d s after the previous try ended", html["bo"])
    assert "has a syntax error" in html["di"]
    assert "is not done yet" in html["cy"]
    for student, page in html.items():
        assert str(course) not in page and str(COURSE) not in page, student
        assert "site-packages" not in page, student
