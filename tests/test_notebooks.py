"""Every solution notebook that course.toml gives papermill parameters runs top to bottom with them."""

import pytest

from retrylab.manifest import modules
from tests.course_files import execute_solution

RUNS = [
    # A notebook may run several times its time alone on a busy machine (module 05 starts the worker stack).
    pytest.param(m.id, m.papermill, marks=pytest.mark.timeout(max(300, 8 * m.seconds)), id=m.id)
    for m in modules()
    if m.papermill
]


@pytest.mark.parametrize(("module", "parameters"), RUNS)
def test_solution_notebook_runs_clean(module, parameters, tmp_path):
    execute_solution(module, parameters, tmp_path)
