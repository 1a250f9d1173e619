"""nbgrader round trip for module 02: the solution scores full marks, the untouched notebook 0."""

import pytest

from tests import nbgrader_course as nbc

pytestmark = pytest.mark.timeout(1200)  # two autogrades of a notebook that runs two environments

graded, test_full_marks, test_untouched_scores_zero = nbc.solution_and_blank("02-global-variables", total=12)
