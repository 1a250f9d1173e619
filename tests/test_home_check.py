"""The suite fails when a test touches the user's ~/airflow (checked by conftest at the end of a run)."""

import os
import subprocess
import sys
import textwrap

from tests.course_files import COURSE


def test_a_run_that_writes_to_the_users_airflow_home_fails(tmp_path):
    home = tmp_path / "home"
    (home / "airflow").mkdir(parents=True)
    (tmp_path / "conftest.py").write_text("from tests.conftest import pytest_sessionfinish, pytest_sessionstart  # noqa\n")
    (tmp_path / "test_sneaky.py").write_text(textwrap.dedent('''
        from pathlib import Path

        def test_clean():
            assert True

        def test_makes_logs():
            (Path.home() / "airflow" / "logs").mkdir()
    '''))
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(COURSE)}

    def pytest(*args):
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)

    clean = pytest("test_sneaky.py::test_clean")
    assert clean.returncode == 0, clean.stdout
    sneaky = pytest("test_sneaky.py")
    assert sneaky.returncode == 1
    assert "A test touched" in sneaky.stdout and "airflow/logs" in sneaky.stdout
