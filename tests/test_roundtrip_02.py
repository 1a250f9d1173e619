"""nbgrader round trip for module 02: the solution scores full marks, the untouched notebook 0,
and the seed's Variables DAG handed in as the answer loses every environment test."""

import pytest

from tests import nbgrader_course as nbc
from tests.course_files import dag_source

pytestmark = pytest.mark.timeout(1200)  # three autogrades of a notebook that runs two environments

CELL = "variables-fix-dag"
TOTAL = 10


def handed_in_antipattern() -> str:
    source = dag_source("02-global-variables", "antipattern_variables.py")
    return "%%writefile dags/variables_fix.py\n" + source.replace('"antipattern_variables"', '"variables_fix"')


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return nbc.grade(
        tmp_path_factory.mktemp("nbgrader02"),
        "02-global-variables",
        {"solution": nbc.solved, "blank": nbc.untouched, "antipattern": nbc.answer_with(CELL, handed_in_antipattern())},
    )


def test_the_solution_scores_full_marks(graded):
    assert graded.total("solution") == TOTAL


def test_the_untouched_notebook_scores_zero(graded):
    assert graded.total("blank") == 0
    assert "not done yet" in graded.feedback("blank")


def test_the_seed_dag_passes_alone_and_fails_across_environments(graded):
    scores = graded.scores["antipattern"]
    assert scores["test-clean-run"] == 1
    assert scores["test-own-records"] == scores["test-own-job"] == scores["test-hidden-environments"] == 0
    assert "never loaded after a staging run" in graded.feedback("antipattern")
