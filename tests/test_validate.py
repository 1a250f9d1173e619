"""nbgrader validate: every solution passes its tests; every learner notebook fails them (--invert)."""

import shutil
import subprocess
import sys

import pytest

from retrylab.checks import MODULES
from tests.course_files import COURSE


def validate(folder, module, *flags):
    work_copy = folder / module
    shutil.copytree(folder.parent / "src", work_copy, ignore=shutil.ignore_patterns(".sandbox", "dags", "*.backup-*"))
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", "validate", str(work_copy / f"{module}.ipynb"), *flags],
        capture_output=True,
        text=True,
        cwd=work_copy,
        timeout=900,
    )
    return proc.stdout + proc.stderr


# Modules 02 and 03 run for minutes (environments, real kills); their nbgrader round
# trips already prove the same two facts (solution full marks, untouched notebook 0).
QUICK_MODULES = [m for m in sorted(MODULES) if m.startswith(("00-", "01-"))]


@pytest.mark.parametrize("module", QUICK_MODULES)
@pytest.mark.parametrize("tree", ["solutions", "notebooks"])
def test_validate(tree, module, tmp_path):
    shutil.copytree(COURSE / tree / module, tmp_path / "src", ignore=shutil.ignore_patterns(".sandbox", "dags"))
    (tmp_path / "run").mkdir()
    if tree == "solutions":
        out = validate(tmp_path / "run", module)
        assert "Success! Your notebook passes all the tests." in out, out[-3000:]
    else:
        out = validate(tmp_path / "run", module, "--invert")
        assert "Success! The notebook does not pass any tests." in out, out[-3000:]
