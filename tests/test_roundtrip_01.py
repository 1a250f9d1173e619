"""nbgrader round trip for module 01: full marks, zero, the anti-pattern, and a partial answer."""

import pytest

from retrylab import checks
from tests import nbgrader_course as nbc
from tests.course_files import COURSE, dag_source

pytestmark = pytest.mark.timeout(900)  # four students, one autograde each, on a busy machine

CELL = "checkpoint-fix-dag"
CRASH_TESTS = ("test-resumes", "test-exactly-once", "test-hidden-world")


def handed_in_antipattern() -> str:
    source = dag_source("01-checkpoints", "antipattern_xcom_checkpoint.py")
    return "%%writefile dags/checkpoint_fix.py\n" + source.replace('"antipattern_xcom_checkpoint"', '"checkpoint_fix"')


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    solution = nbc.solutions_by_id("01-checkpoints")[CELL]
    return nbc.grade(
        tmp_path_factory.mktemp("nbgrader01"),
        "01-checkpoints",
        {
            "solution": nbc.solved,
            "blank": nbc.untouched,
            "antipattern": nbc.answer_with(CELL, handed_in_antipattern()),
            "partial": nbc.answer_with(CELL, solution.replace("transform_and_upsert(record)", "transform_and_load(record)")),
        },
    )


def test_the_solution_scores_full_marks(graded):
    assert graded.total("solution") == 9


def test_the_untouched_notebook_scores_zero(graded):
    assert graded.total("blank") == 0
    assert "the exercise is not done yet" in graded.feedback("blank")


def test_the_antipattern_scores_zero_on_every_crash_check(graded):
    assert all(graded.scores["antipattern"][test] == 0 for test in CRASH_TESTS)
    assert "loaded twice after a crash at between_pages:1 on try 1" in graded.feedback("antipattern")
    assert "Hint: " in graded.feedback("antipattern")  # the failing cell says where to look first


def test_a_checkpoint_without_an_idempotent_sink_scores_in_between(graded):
    assert 0 < graded.total("partial") < 9
    assert graded.scores["partial"]["test-resumes"] == 2
    assert graded.scores["partial"]["test-exactly-once"] == 0
    assert "loaded twice after a crash at mid_page:1:1 on try 1" in graded.feedback("partial")


def test_feedback_gives_no_hidden_scenario_and_no_path_of_the_grading_machine(graded):
    spec = checks.module("01-checkpoints")
    public = {s.label for s in spec.suite.scenarios}
    secret = {s.label for suite in spec.hidden for s in suite.scenarios} - public
    for student in graded.scores:
        html = graded.feedback(student)
        assert not [label for label in secret if label in html], student
        assert str(COURSE) not in html and str(graded.root) not in html, student
    assert "hidden scenario 1" in graded.feedback("antipattern")  # named, not described


def test_autograde_warns_of_no_changed_cell_in_untouched_or_solved_notebooks(graded):
    assert "has changed!" not in graded.log, graded.log[-2000:]
