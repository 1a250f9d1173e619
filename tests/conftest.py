"""One lab per test process: Airflow can be configured only once per process.

A verdict is graded once per run (``retrylab/verdicts.py``): the same DAG text, module and suite graded again, by
nbval's kernel, a round trip or a checker test, gets the first answer. A test about what grading does to its own
processes and databases turns that off with the ``grades_for_real`` fixture.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

import retrylab
from retrylab import verdicts
from retrylab.manifest import modules
from tests import cpu_profile
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


@pytest.fixture
def notebook_dag(tmp_path):
    """notebook_dag(module, filename) -> the file the module's notebook writes, under the same name, text and module:
    its verdict is the one nbval and the round trips get (graded once per run, ``retrylab/verdicts.py``)."""

    def make(module: str, filename: str) -> Path:
        return write(tmp_path, filename, dag_source(module, filename))

    return make


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
    if not hasattr(config, "workerinput"):  # the controller: xdist's workers, kernels and graders inherit it
        config._verdicts = tempfile.mkdtemp(prefix="retrylab-verdicts-")
        os.environ[verdicts.ENV] = config._verdicts
    _retry_nbval_kernel_start()
    cpu_profile.register(config)


def _retry_nbval_kernel_start() -> None:
    """nbval starts one kernel per notebook: a kernel that dies before its first reply gets a second start."""
    from nbval import kernel

    from tests.course_files import once_more_if_the_kernel_died_at_start

    start = kernel.start_new_kernel
    kernel.start_new_kernel = lambda *args, **kwargs: once_more_if_the_kernel_died_at_start(lambda: start(*args, **kwargs))


# No test may touch the user's own Airflow home: the course runs in sandboxes, and a learner's ~/airflow
# (or a maintainer's) is theirs. The run's controller compares it before and after.
USER_AIRFLOW = Path.home() / "airflow"


def _snapshot(root: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in [root, *root.rglob("*")]} if root.exists() else {}


def pytest_sessionstart(session):
    session.config._user_airflow = _snapshot(USER_AIRFLOW)


def pytest_sessionfinish(session, exitstatus):
    if hasattr(session.config, "workerinput") or not hasattr(session.config, "_user_airflow"):
        return  # an xdist worker: the controller checks once for the whole run
    if hasattr(session.config, "_verdicts"):
        shutil.rmtree(session.config._verdicts, ignore_errors=True)
    before, after = session.config._user_airflow, _snapshot(USER_AIRFLOW)
    if before != after:
        changed = sorted(set(after) ^ set(before) | {k for k in after if k in before and after[k] != before[k]})
        session.config.get_terminal_writer().line(
            f"A test touched {USER_AIRFLOW}, the user's own Airflow home: {changed[:5]}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# pytest-xdist hands out whole files (--dist loadfile) in collection order: starting the longest
# first keeps every worker busy to the end instead of leaving one long file running alone.
# Files and notebooks (nbval) as measured inside `make test` (pytest --durations, summed per file); a papermill
# run (one test each, --dist load) or a notebook not listed costs what course.toml says it takes alone:
FILE_SECONDS = {
    "test_class_grading.py": 500,
    "test_roundtrip_06.py": 280,
    "test_grading_slice.py": 245,
    "test_m03_checks.py": 160,
    "test_m06_checks.py": 140,
    "test_m04_checks.py": 135,
    "test_adversarial_04.py": 130,
    "test_workshop.py": 130,
    "test_cli.py": 120,
    "test_m02_checks.py": 110,
    "test_adversarial_02.py": 110,
    "test_roundtrip_01.py": 110,
    "test_hub.py": 110,
    "test_stack.py": 100,
    "test_roundtrip_00.py": 100,
    "test_checks.py": 95,
    "test_adversarial_05.py": 90,
    "test_roundtrip_02.py": 85,
    "test_site.py": 85,
    "test_validate.py": 80,
    "test_adversarial_03.py": 80,
    "test_m05_checks.py": 70,
    "test_zygote.py": 70,
    "test_roundtrip_03.py": 70,
    "test_roundtrip_04.py": 60,
    "test_adversarial_01.py": 60,
    "test_make_lab.py": 35,
    "test_roundtrip_05.py": 30,
    "test_verdicts.py": 20,
    "06-capstone.ipynb": 280,
    "05-mapped-and-operations.ipynb": 230,
    "03-resumable-jobs.ipynb": 200,
    "04-asset-watermarks.ipynb": 170,
    "02-global-variables.ipynb": 125,
    "01-checkpoints.ipynb": 50,
    "00-orientation.ipynb": 35,
}


def expected_seconds(item: pytest.Item) -> float:
    filename = Path(str(item.fspath)).name
    if filename in FILE_SECONDS:
        return FILE_SECONDS[filename]
    by_id = {m.id: m for m in modules()}
    if filename.endswith(".ipynb") and filename[: -len(".ipynb")] in by_id:
        return by_id[filename[: -len(".ipynb")]].seconds
    if filename == "test_notebooks.py" and item.callspec.id in by_id:
        return by_id[item.callspec.id].seconds
    return FILE_SECONDS.get(filename, 0)


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=lambda item: -expected_seconds(item))


@pytest.fixture
def grades_for_real(monkeypatch):
    """Graders started in this test grade every request, none reuses an earlier verdict of the run."""
    monkeypatch.delenv(verdicts.ENV, raising=False)


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
