"""One lab per test process: Airflow can be configured only once per process."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import retrylab
from tests.course_files import dag_source, write


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    return retrylab.open_lab(root / "sandbox", root / "dags")


@pytest.fixture
def dag_file(lab, request):
    """write(name, source) -> a DAG file in the lab's DAGs folder (unique per test)."""
    created: list[Path] = []

    def make(name: str, source: str) -> Path:
        path = write(lab.box.dags, f"{request.node.name[:40].replace('[', '_').replace(']', '')}_{name}", source)
        created.append(path)
        return path

    yield make
    for path in created:
        path.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def checkpoint_fix() -> str:
    return dag_source("01-checkpoints", "checkpoint_fix.py")


@pytest.fixture(scope="session")
def antipattern() -> str:
    return dag_source("01-checkpoints", "antipattern_xcom_checkpoint.py")


def pytest_configure(config):
    os.environ.setdefault("RETRYLAB_CACHE", str(Path(__file__).resolve().parents[1] / ".retrylab-cache"))
    # Subprocesses (nbgrader, its `alembic`, jupyter, uv) come from the environment running the tests.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
