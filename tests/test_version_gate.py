"""The version gate against a real Airflow 3.2 install in its own environment (not a patched string)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from retrylab import versions
from tests.course_files import COURSE, notebook

OLD_AIRFLOW = "3.2.2"


@pytest.mark.parametrize(("version", "ok"), [("3.2.2", False), ("2.10.5", False), ("3.3.0", True), ("3.3.2", True), ("3.4.0rc1", True)])
def test_the_gate_reads_release_numbers(version, ok):
    assert versions.check(version).ok is ok


def test_no_airflow_at_all_says_how_to_install():
    gate = versions.check(None, installed=False)
    assert not gate.ok and "make lab" in gate.message


@pytest.fixture(scope="module")
def old_python(tmp_path_factory) -> Path:
    """A venv with the real apache-airflow 3.2 from the package index."""
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    venv = tmp_path_factory.mktemp("airflow32") / "venv"
    subprocess.run([uv, "venv", "-q", str(venv), "--python", sys.executable], check=True)
    subprocess.run(
        [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), f"apache-airflow=={OLD_AIRFLOW}"],
        check=True,
        timeout=600,
    )
    return venv / "bin" / "python"


def old_env(home: Path) -> dict[str, str]:
    """Airflow 3.2 makes $AIRFLOW_HOME/logs on import: give it a home of its own, never the user's ~/airflow."""
    return {**os.environ, "PYTHONPATH": str(COURSE), "AIRFLOW_HOME": str(home)}


def run(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = old_env(python.parents[2] / "airflow-home")
    return subprocess.run([str(python), *args], capture_output=True, text=True, env=env, cwd=COURSE, timeout=300)


def test_it_really_is_airflow_3_2_without_the_state_store(old_python):
    probe = run(old_python, "-c", "import airflow; print(airflow.__version__); from airflow.sdk import ResumableJobMixin")
    assert probe.stdout.strip() == OLD_AIRFLOW
    assert "ImportError" in probe.stderr or "cannot import" in probe.stderr


def test_doctor_says_what_is_missing_and_how_to_fix_it(old_python):
    out = run(old_python, "-m", "retrylab.cli", "doctor")
    assert out.returncode == 1
    assert f"needs Apache Airflow 3.3 or newer; this environment has {OLD_AIRFLOW}" in out.stdout
    assert "make lab" in out.stdout


def test_module_00_first_cell_says_it_plainly(old_python, tmp_path):
    first = next(c.source for c in notebook("00-orientation").cells if c.cell_type == "code")
    out = subprocess.run(
        [str(old_python), "-c", first],
        capture_output=True,
        text=True,
        env=old_env(tmp_path / "airflow-home"),
        cwd=tmp_path,
        timeout=300,
    )
    assert out.returncode != 0
    assert f"this environment has {OLD_AIRFLOW}" in out.stdout
    assert "AirflowVersionError: This course needs Apache Airflow 3.3 or newer" in out.stderr
    assert not (tmp_path / ".sandbox").exists(), "nothing is created before the gate opens"
