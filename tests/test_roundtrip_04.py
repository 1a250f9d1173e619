"""nbgrader round trip for module 04: the solution scores full marks, the untouched notebook 0.

(The seed's DAG and typical mistakes handed in as answers are graded in test_m04_checks.py:
each autograde here runs the whole notebook, real scheduler included, about eighty seconds.)"""

import pytest

from tests import nbgrader_course as nbc

pytestmark = pytest.mark.timeout(1200)

TOTAL = 10


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return nbc.grade(
        tmp_path_factory.mktemp("nbgrader04"),
        "04-asset-watermarks",
        {"solution": nbc.solved, "blank": nbc.untouched},
    )


def test_the_solution_scores_full_marks(graded):
    assert graded.total("solution") == TOTAL


def test_the_untouched_notebook_scores_zero_and_says_why(graded):
    assert graded.total("blank") == 0
    assert "not done yet" in graded.feedback("blank")
