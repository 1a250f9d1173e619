"""nbgrader round trip for module 04: the solution scores full marks, the untouched notebook 0."""

import pytest

from tests import nbgrader_course as nbc

pytestmark = pytest.mark.timeout(1200)  # two autogrades of a notebook that starts a real scheduler

graded, test_full_marks, test_untouched_scores_zero = nbc.solution_and_blank("04-asset-watermarks", total=10)
