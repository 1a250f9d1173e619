"""nbgrader round trip for module 02: the solution scores full marks, the untouched notebook 0.

(The seed's DAG handed in as the answer is graded in test_m02_checks.py: each autograde
here runs the whole notebook, about ninety seconds.)"""

import pytest

from tests import nbgrader_course as nbc

pytestmark = pytest.mark.timeout(1200)  # two autogrades of a notebook that runs two environments

TOTAL = 10


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return nbc.grade(
        tmp_path_factory.mktemp("nbgrader02"),
        "02-global-variables",
        {"solution": nbc.solved, "blank": nbc.untouched},
    )


def test_the_solution_scores_full_marks(graded):
    assert graded.total("solution") == TOTAL


def test_the_untouched_notebook_scores_zero(graded):
    assert graded.total("blank") == 0
    assert "not done yet" in graded.feedback("blank")
