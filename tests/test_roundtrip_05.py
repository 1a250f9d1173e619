"""nbgrader round trip for module 05: the solution scores full marks, the untouched notebook 0.

(Typical wrong answers to both exercises are graded in test_m05_checks.py.)"""

import pytest

from tests import nbgrader_course as nbc

pytestmark = pytest.mark.timeout(1200)

TOTAL = 11


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return nbc.grade(
        tmp_path_factory.mktemp("nbgrader05"),
        "05-mapped-and-operations",
        {"solution": nbc.solved, "blank": nbc.untouched},
    )


def test_the_solution_scores_full_marks(graded):
    assert graded.total("solution") == TOTAL


def test_the_untouched_notebook_scores_zero_and_says_why(graded):
    assert graded.total("blank") == 0
    assert "not done yet" in graded.feedback("blank")
