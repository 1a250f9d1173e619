"""nbgrader round trip for module 00, with the inputs that must not crash the grader."""

import pytest

from tests import nbgrader_course as nbc

pytestmark = pytest.mark.timeout(900)  # six students, one autograde each, on a busy machine

CELL = "hello-retries-dag"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    solution = nbc.solutions_by_id("00-orientation")[CELL]
    return nbc.grade(
        tmp_path_factory.mktemp("nbgrader00"),
        "00-orientation",
        {
            "solution": nbc.solved,
            "blank": nbc.untouched,
            "edited_tests": nbc.edit_tests_to_pass,
            "deleted_test": nbc.delete_cell("test-retries-at-once"),
            "syntax_error": nbc.answer_with(CELL, solution.replace("retry_delay=timedelta(seconds=0))", "retry_delay=timedelta(seconds=0)")),
            # Endless without eating a core: the machine grades the other students meanwhile.
            "endless_cell": nbc.answer_with(CELL, "import time\nwhile True:\n    time.sleep(0.1)"),
        },
        extra=("--Execute.timeout=60",),  # the endless cell's cost; a graded cell needs a few seconds (warm), well under it when busy
    )


def test_the_solution_scores_full_marks(graded):
    assert graded.total("solution") == 3


def test_the_untouched_notebook_scores_zero_and_says_it_is_not_done(graded):
    assert graded.total("blank") == 0
    assert "is not done yet" in graded.feedback("blank")


def test_editing_a_test_cell_does_not_change_the_grade(graded):
    assert graded.total("edited_tests") == 0
    cell = next(c for c in graded.autograded("edited_tests").cells if c.id == "test-survives-crashes")
    assert cell.source.startswith('ex.grade("survives crashes")')


def test_a_deleted_test_cell_is_put_back_with_a_note(graded):
    assert graded.total("deleted_test") == 3
    restored = next(
        c
        for c in graded.autograded("deleted_test").cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == "test-retries-at-once"
    )
    assert "was missing from your submission" in restored.source


def test_a_syntax_error_is_named_in_the_feedback(graded):
    assert graded.total("syntax_error") == 0
    assert "has a syntax error, so Airflow cannot load it" in graded.feedback("syntax_error")


def test_an_endless_cell_times_out_and_the_rest_is_still_graded(graded):
    assert graded.total("endless_cell") == 0
    feedback = graded.feedback("endless_cell")
    assert "Timeout" in feedback or "timed out" in feedback
    assert "There is no DAG file" in feedback
