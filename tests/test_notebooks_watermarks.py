"""Module 04's solution notebook runs top to bottom with papermill, with other parameters (a file of its own:
it starts a real scheduler, and pytest-xdist balances files)."""

import pytest

from tests.course_files import execute_solution


@pytest.mark.timeout(900)
def test_asset_watermarks_notebook_runs_clean(tmp_path):
    execute_solution("04-asset-watermarks", {"CLOCK": "2025-03-02T12:00:00", "CRASH_AT": "before_load"}, tmp_path)
