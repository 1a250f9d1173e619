"""nbgrader validate: a solution passes its tests; the learner notebooks fail them (--invert)."""

import shutil
import subprocess
import sys

import pytest

from retrylab.checks import MODULES
from tests.course_files import COURSE

pytestmark = pytest.mark.slow  # nbgrader validate runs whole notebooks


def validate(folder, module, *flags):
    """``nbgrader validate`` as a learner runs it: from the notebooks folder, whose config it reads."""
    work_copy = folder / module
    shutil.copytree(folder.parent / "src", work_copy, ignore=shutil.ignore_patterns(".sandbox", "dags", "*.backup-*"))
    shutil.copy(COURSE / "notebooks" / "nbgrader_config.py", folder)
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", "validate", f"{module}/{module}.ipynb", *flags],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=900,
    )
    return proc.stdout + proc.stderr


# The later modules run for minutes (environments, real kills, a scheduler), and every
# module's nbgrader round trip already proves that its solution scores full marks; here
# `nbgrader validate`, the command a learner runs, is checked on the quick ones.
QUICK_MODULES = [m for m in sorted(MODULES) if m.startswith(("00-", "01-"))]


@pytest.mark.parametrize("module", QUICK_MODULES)
def test_validate_fails_every_released_notebook(module, tmp_path):
    shutil.copytree(COURSE / "notebooks" / module, tmp_path / "src", ignore=shutil.ignore_patterns(".sandbox", "dags"))
    (tmp_path / "run").mkdir()
    out = validate(tmp_path / "run", module, "--invert")
    assert "Success! The notebook does not pass any tests." in out, out[-3000:]


def test_validate_passes_a_solution(tmp_path):
    shutil.copytree(COURSE / "solutions" / "00-orientation", tmp_path / "src", ignore=shutil.ignore_patterns(".sandbox", "dags"))
    (tmp_path / "run").mkdir()
    out = validate(tmp_path / "run", "00-orientation")
    assert "Success! Your notebook passes all the tests." in out, out[-3000:]
    assert "No nbgrader_config.py file found" not in out
