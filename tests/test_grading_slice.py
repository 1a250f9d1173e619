"""Autograde's slice: which cells a grade depends on, and proof that skipping the rest changes no grade."""

import nbformat
import pytest

from retrylab import manifest
from retrylab.grading_slice import needed_cells
from tests import nbgrader_course as nbc
from tests.course_files import COURSE

LOCKED = {"nbgrader": {"locked": True, "grade": False, "solution": False, "grade_id": "x"}}


def cells(*sources: str, learner: tuple[int, ...] = (), graded: tuple[int, ...] = ()) -> list:
    out = []
    for i, source in enumerate(sources):
        cell = nbformat.v4.new_code_cell(source)
        if i in graded:
            cell.metadata = {"nbgrader": {"locked": True, "grade": True, "solution": False, "points": 1, "grade_id": f"t{i}"}}
        elif i not in learner:
            cell.metadata = {"nbgrader": dict(LOCKED["nbgrader"], grade_id=f"c{i}")}
        out.append(cell)
    return out


def release(module: str) -> nbformat.NotebookNode:
    return nbformat.read(COURSE / "notebooks" / module / f"{module}.ipynb", as_version=4)


@pytest.mark.parametrize("module", [m.id for m in manifest.modules()])
def test_every_course_notebook_keeps_its_graded_answer_and_file_cells_and_skips_demonstrations(module):
    nb = release(module)
    keep = needed_cells(nb.cells)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    for i in code:
        meta, source = nb.cells[i].metadata.get("nbgrader", {}), nb.cells[i].source
        if meta.get("grade") or meta.get("solution") or source.startswith("%%writefile"):
            assert i in keep, source[:80]
    skipped = [nb.cells[i].source.split("\n")[0] for i in code if i not in keep]
    assert skipped, "every module has demonstrations a grade does not need"
    assert not any(line.startswith("%%writefile") for line in skipped)


def test_module_01_skips_its_crash_demo_and_keeps_what_the_exercise_cell_reads():
    nb = release("01-checkpoints")
    keep = needed_cells(nb.cells)
    start = {i: c.source for i, c in enumerate(nb.cells) if c.cell_type == "code"}
    assert not any(source.startswith("broken = lab.run(") for i, source in start.items() if i in keep)
    assert any(source.startswith("import retrylab") for i, source in start.items() if i in keep)  # defines `lab`


def test_a_cell_the_learner_added_keeps_the_demo_it_reads():
    nb = cells("lab = 1", "broken = lab + 1", "other = 2", "print(broken)", "ex = lab", "ex", learner=(3,), graded=(5,))
    assert needed_cells(nb) == {0, 1, 3, 4, 5}


def test_a_name_set_again_at_top_level_hides_earlier_values_unless_it_reads_them():
    assert needed_cells(cells("x = 1", "x = 2", "x", graded=(2,))) == {1, 2}
    assert needed_cells(cells("x = 1", "x = x + 1", "x", graded=(2,))) == {0, 1, 2}
    assert needed_cells(cells("x = 1", "if True:\n    x = 2", "x", graded=(2,))) == {0, 1, 2}
    # A loop's own variable is not a dependency on an earlier cell that used the same name.
    assert needed_cells(cells("check = 9", "for check in [1]:\n    print(check)", graded=(1,))) == {1}


@pytest.mark.parametrize(
    "learner_cell",
    ["exec('y = 1')", "globals()['y'] = 1", "%run other.py", "%time y = a", "from os.path import *", "def broken(:"],
)
def test_what_cannot_be_followed_keeps_every_cell(learner_cell):
    nb = cells("a = 1", "b = 2", learner_cell, "a", learner=(2,), graded=(3,))
    assert needed_cells(nb) == {0, 1, 2, 3}


def test_a_magic_without_code_in_its_arguments_is_followed_like_code():
    assert needed_cells(cells("a = 1", "b = 2", "%matplotlib inline\nc = a", learner=(2,))) == {0, 2}


# -- the proof: the same grades with and without the slice, on the submissions learners hand in ---------------
def added_cell_after_the_crash_demo(nb, answers) -> None:
    """Solved, plus a cell of the learner's own that reads the crash demo's report (so the demo must run)."""
    nbc.solved(nb, answers)
    at = next(i for i, c in enumerate(nb.cells) if c.source.startswith("broken = lab.run"))
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell('print("mine:", broken.ledger_summary()["duplicate rows"])'))


def sabotaged_demo(nb, answers) -> None:
    """Solved, and a locked demo cell edited to delete the answer's DAG file: nbgrader restores the cell, as before."""
    nbc.solved(nb, answers)
    demo = next(c for c in nb.cells if c.source.startswith("broken = lab.run"))
    demo.source = "import os\nos.remove('dags/checkpoint_fix.py')"


STUDENTS = {"solution": nbc.solved, "blank": nbc.untouched, "added": added_cell_after_the_crash_demo, "sabotage": sabotaged_demo}


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    root = tmp_path_factory.mktemp("slice")
    sliced = nbc.grade(root / "sliced", "01-checkpoints", STUDENTS)
    full = nbc.grade(root / "full", "01-checkpoints", STUDENTS, extra=("--GradingSlice.enabled=False",))
    return sliced, full


@pytest.mark.slow
@pytest.mark.timeout(1800)  # eight autogrades of module 01
def test_skipping_the_demonstrations_changes_no_grade(both):
    sliced, full = both
    assert sliced.scores == full.scores
    assert sliced.total("solution") == sliced.total("sabotage") == sliced.total("added") == 9
    assert sliced.total("blank") == 0


@pytest.mark.slow
@pytest.mark.timeout(1800)  # eight autogrades of module 01
def test_the_skipped_demo_did_not_run_and_the_learners_own_cell_kept_the_one_it_reads(both):
    sliced, full = both
    tour = [c for c in sliced.autograded("solution").cells if c.source.startswith("tour = lab.run")]
    assert tour and not tour[0].outputs  # a demonstration no grade needs: not run
    added = sliced.autograded("added")
    mine = next(c for c in added.cells if c.source.startswith('print("mine:"'))
    assert "mine: 1200" in "".join(o.get("text", "") for o in mine.outputs)
