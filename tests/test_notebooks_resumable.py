"""Module 03's solution notebook runs top to bottom with papermill (in a file of its own, so
pytest-xdist can run its three minutes of real kills beside the other notebooks)."""

import pytest

from tests.course_files import execute_solution


@pytest.mark.timeout(900)
def test_resumable_jobs_notebook_runs_clean(tmp_path):
    execute_solution("03-resumable-jobs", {"SEED": 11, "KILL_AT": "while_pending"}, tmp_path)
