"""nbgrader round trip for module 03: the solution scores full marks, the untouched notebook 0.

(Each autograde executes the whole notebook with real kills, about two minutes, so the
typical mistakes are graded in test_m03_checks.py instead of as more students here.)
"""

import pytest

from tests import nbgrader_course as nbc

pytestmark = pytest.mark.timeout(1200)  # two autogrades of a notebook with real kills

TOTAL = 9


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return nbc.grade(
        tmp_path_factory.mktemp("nbgrader03"),
        "03-resumable-jobs",
        {"solution": nbc.solved, "blank": nbc.untouched},
    )


def test_the_solution_scores_full_marks(graded):
    assert graded.total("solution") == TOTAL


def test_the_untouched_notebook_scores_zero_and_says_why(graded):
    assert graded.total("blank") == 0
    assert "is not done yet" in graded.feedback("blank")
