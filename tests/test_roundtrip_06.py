"""nbgrader round trip for module 06: full marks, zero, and a repository half fixed in between."""

import pytest

from tests import nbgrader_course as nbc
from tests.course_files import dag_files

pytestmark = pytest.mark.timeout(1200)  # three students, each a whole repository under four crash matrices

MODULE = "06-capstone"


def inherited(name: str) -> str:
    return f"%%writefile dags/{name}\n" + dag_files(MODULE, first=True)[name]


def half_fixed(nb, answers) -> None:
    """The ingest, the shards and the switch fixed; the export and the watermark handed in as inherited."""
    nbc.solved(nb, answers)
    for cell in nb.cells:
        if cell.id == "fix-export":
            cell.source = inherited("nightly_export.py")
        elif cell.id == "fix-watermark":
            cell.source = inherited("orders_watermark.py")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return nbc.grade(
        tmp_path_factory.mktemp("nbgrader06"),
        MODULE,
        {"solution": nbc.solved, "blank": nbc.untouched, "half": half_fixed},
    )


def test_the_solution_scores_full_marks(graded):
    assert graded.total("solution") == 16, graded.scores["solution"]


def test_the_untouched_notebook_scores_zero(graded):
    assert graded.total("blank") == 0, graded.scores["blank"]


def test_a_half_fixed_repository_scores_the_parts_it_fixed(graded):
    scores = graded.scores["half"]
    assert scores["test-ingest"] == scores["test-shards"] == 3 and scores["test-triaged"] == 2
    assert scores["test-export"] == scores["test-watermark"] == scores["test-lint-clean"] == 0
    feedback = graded.feedback("half")
    assert "nightly_export.py:27 RS403" in feedback  # the lint cell names what is left
    assert "is_job_active('PENDING') returned False" in feedback  # the export's matrix says why it pays twice


def test_autograde_warns_of_no_changed_cell(graded):
    assert "has changed!" not in graded.log, graded.log[-2000:]
