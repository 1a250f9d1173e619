"""The course's files agree with each other: notebooks with solutions, conda with the lock, README with make."""

import re

import yaml

from retrylab import course
from tests.course_files import COURSE


def test_learner_notebooks_are_generated_from_the_solutions():
    assert course.sync(check=True) == [], "run `make notebooks` and commit notebooks/"


def test_environment_yml_installs_the_lock_file_on_the_locked_python():
    env = yaml.safe_load((COURSE / "environment.yml").read_text())
    deps = env["dependencies"]
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    assert "-r requirements.lock" in pip
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python="))
    lock = (COURSE / "requirements.lock").read_text()
    assert f"--python-version {python.split('=')[1]}" in lock.splitlines()[1]
    assert re.search(r"^apache-airflow==3\.3\.\d+$", lock, re.M)


def test_the_readme_gives_exactly_the_two_setup_commands_and_ci_runs_make_test():
    readme = (COURSE / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme
    ci = (COURSE / ".ci" / "run").read_text()
    assert "make test" in ci


def test_every_module_with_a_grader_has_a_solution_and_a_learner_notebook():
    from retrylab.checks import MODULES

    for module in MODULES:
        assert (COURSE / "solutions" / module / f"{module}.ipynb").exists()
        assert (COURSE / "notebooks" / module / f"{module}.ipynb").exists()
