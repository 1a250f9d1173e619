"""Every solution notebook runs top to bottom with papermill, with its parameters changed."""

import shutil

import papermill
import pytest

from tests.course_files import COURSE

RUNS = [
    ("00-orientation", {"SEED": 3, "CRASH": "mid_page:1:75"}),
    ("01-checkpoints", {"SEED": 11, "CRASH": "mid_page:2:17"}),
]


@pytest.mark.parametrize(("module", "parameters"), RUNS, ids=[m for m, _ in RUNS])
def test_solution_notebook_runs_clean(module, parameters, tmp_path):
    work = tmp_path / module
    shutil.copytree(COURSE / "solutions" / module, work, ignore=shutil.ignore_patterns(".sandbox", "dags"))
    out = papermill.execute_notebook(
        str(work / f"{module}.ipynb"),
        str(work / "executed.ipynb"),
        parameters=parameters,
        cwd=str(work),
        kernel_name="python3",
        progress_bar=False,
    )
    errors = [o for c in out.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
