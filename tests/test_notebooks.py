"""Every solution notebook runs top to bottom with papermill, with its parameters changed."""

import pytest

from tests.course_files import execute_solution

RUNS = [
    ("00-orientation", {"SEED": 3, "CRASH": "mid_page:1:75"}),
    ("01-checkpoints", {"SEED": 11, "CRASH": "mid_page:2:17"}),
    ("02-global-variables", {"PROD_SEED": 13, "STAGING_SEED": 4}),  # staging's ids below prod's
    # Module 05 starts the worker stack and runs two minutes alone, several on a busy machine.
    pytest.param(
        "05-mapped-and-operations", {"SEED": 13, "CRASH": "mid_page:3:5"}, marks=pytest.mark.timeout(900), id="05-mapped-and-operations"
    ),
]


@pytest.mark.parametrize(("module", "parameters"), RUNS, ids=[r[0] if isinstance(r, tuple) else r.id for r in RUNS])
def test_solution_notebook_runs_clean(module, parameters, tmp_path):
    execute_solution(module, parameters, tmp_path)
