"""nbgrader round trip for module 05: the solution scores full marks, the untouched notebook 0."""

import pytest

from tests import nbgrader_course as nbc

pytestmark = pytest.mark.timeout(1200)  # two autogrades of a notebook that uses the real API server and workers

graded, test_full_marks, test_untouched_scores_zero = nbc.solution_and_blank("05-mapped-and-operations", total=11)
