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


# Files that take minutes (each executes whole notebooks), longest first. pytest-xdist hands out
# whole files (--dist loadfile) in collection order: starting the longest first keeps both workers
# busy to the end instead of leaving one long file running alone.
LONGEST_FIRST = (
    "test_adversarial_04.py",
    "test_adversarial_02.py",
    "test_roundtrip_03.py",
    "test_roundtrip_04.py",
    "test_roundtrip_05.py",
    "test_notebooks.py",
    "03-resumable-jobs.ipynb",
    "test_notebooks_resumable.py",
    "test_roundtrip_02.py",
    "test_m03_checks.py",
    "test_roundtrip_00.py",
    "test_roundtrip_01.py",
    "test_m02_checks.py",
    "02-global-variables.ipynb",
    "04-asset-watermarks.ipynb",
    "05-mapped-and-operations.ipynb",
    "test_notebooks_watermarks.py",
    "test_m04_checks.py",
    "test_m05_checks.py",
    "test_adversarial_01.py",
    "test_adversarial_05.py",
    "test_adversarial_03.py",
)


def pytest_collection_modifyitems(session, config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(Path(str(item.fspath)).name, len(rank)))


@pytest.fixture(scope="session")
def grade(tmp_path_factory):
    """grade(spec, dag_file, suite=None, only=(), fail_fast=False) -> Verdict, from a grader process of its own.

    Never an IsolatedLab in the test process: the lessons' lab here parses every DAG file in its folder, and a
    submission that patches retrylab when imported would patch the grader too (the reason graders are processes).
    """
    from retrylab.grader import Grader

    grader = Grader(tmp_path_factory.mktemp("grader") / "sandbox")

    def run(spec, dag_file, *, suite=None, only=(), fail_fast=False):
        module = spec if isinstance(spec, str) else spec.id
        return grader.grade(module, dag_file, suite=suite, only=tuple(only), fail_fast=fail_fast)

    yield run
    grader.close()
