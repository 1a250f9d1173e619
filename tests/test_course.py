"""The course's files agree with each other: notebooks with solutions, conda with the lock, README with make."""

import re
import subprocess
import sys

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


def test_no_lock_brings_the_parser_that_costs_every_airflow_process_a_second():
    """rfc3987-syntax (jsonschema's "iri" format, which no Airflow or Jupyter schema uses) builds its parsers at
    import: 1.1 s of CPU in each kernel, grader, nbgrader and `airflow` command. The Makefile leaves it out."""
    for lock in [COURSE / "requirements.lock", *sorted((COURSE / "requirements").glob("*.lock"))]:
        assert not re.search(r"^(rfc3987-syntax|lark)==", lock.read_text(), re.M), lock.name
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, jsonschema._format; print('rfc3987_syntax' in sys.modules)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert loaded == "False", "this environment has rfc3987-syntax: `make` rebuilds .venv from the lock with --no-deps"


def test_the_readme_gives_exactly_the_two_setup_commands_and_ci_runs_make_test():
    readme = (COURSE / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme
    ci = (COURSE / ".ci" / "run").read_text()
    assert "make test" in ci


def test_course_toml_declares_every_module_once_with_its_grader_notebooks_and_round_trip():
    from retrylab.checks import MODULES
    from retrylab.manifest import modules

    declared = [m.id for m in modules()]
    assert declared == sorted(set(declared)), "course.toml lists modules once each, in order"
    authored = sorted(p.name for p in (COURSE / "solutions").iterdir() if (p / f"{p.name}.ipynb").exists())
    assert authored == declared, "a module folder in solutions/ that course.toml does not declare (or the other way)"
    assert [m for m in MODULES if "/" not in m] == declared  # module 06's DAGs are graded as "06-capstone/<part>"
    for module in declared:
        assert (COURSE / "notebooks" / module / f"{module}.ipynb").exists()
        assert (COURSE / "tests" / f"test_roundtrip_{module[:2]}.py").exists(), f"{module} has no nbgrader round trip"


def test_readme_module_table_is_made_from_course_toml():
    assert not course.sync_readme(check=True), "run `make notebooks` and commit README.md"


def test_make_labs_kernel_stamp_changes_only_language_info_and_keeps_the_release_in_sync(tmp_path):
    import shutil

    import nbformat
    from nbclient import NotebookClient

    release = tmp_path / "notebooks" / "01-checkpoints"
    release.parent.mkdir()
    shutil.copytree(COURSE / "notebooks" / "01-checkpoints", release, ignore=shutil.ignore_patterns("dags", ".*"))
    committed = COURSE / "notebooks" / "01-checkpoints" / "01-checkpoints.ipynb"
    stamped = release / "01-checkpoints.ipynb"
    assert course.stamp_kernel(tmp_path / "notebooks") == [stamped]
    assert course.stamp_kernel(tmp_path / "notebooks") == []  # once is enough
    before, after = nbformat.read(committed, as_version=4), nbformat.read(stamped, as_version=4)
    assert before.cells == after.cells
    assert course._same_notebook(committed, stamped)  # `make notebooks --check` does not call it out of date
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    NotebookClient(probe, kernel_name="python3").execute()
    assert after.metadata.language_info == probe.metadata.language_info  # what the real kernel reports


def test_sections_use_the_same_verbs_and_graded_headings_state_their_points():
    """Fix it / Prove it in every module; a heading that says "graded, N points" holds exactly N points."""
    import json

    for module in course.manifest.modules():
        nb = json.loads((COURSE / "solutions" / module.id / f"{module.id}.ipynb").read_text())
        heading, points, headings = None, {}, []
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                for line in "".join(cell["source"]).splitlines():
                    if line.startswith("## "):
                        heading = line
                        headings.append(line)
            grading = cell["metadata"].get("nbgrader", {})
            if grading.get("grade"):
                assert heading and "graded" in heading, f"{module.id}: graded cell {grading['grade_id']} under {heading!r}"
                points[heading] = points.get(heading, 0) + grading["points"]
        assert any(" · Fix it" in h for h in headings), f"{module.id} has no 'Fix it' section"
        for heading, total in points.items():
            stated = re.search(r"graded, (\d+) points", heading)
            assert stated and int(stated.group(1)) == total, f"{module.id}: {heading!r} holds {total} points"


def test_start_here_lists_every_module_in_order_with_its_time():
    text = (COURSE / "notebooks" / "START_HERE.md").read_text()
    rows = re.findall(r"^\| \[([\w-]+)\]\(([\w./-]+)\) \| (\d+) min \|$", text, re.M)
    assert [(r[0], r[2]) for r in rows] == [(m.id, str(m.minutes)) for m in course.manifest.modules()]
    for _, link, _ in rows:
        assert (COURSE / "notebooks" / link).is_file(), link


# Sections that state no behaviour of their own: they announce, sum up or point elsewhere.
PROSE_ONLY_SECTIONS = ("Overview", "Key points", "What's next", "Resources")


def test_every_section_that_teaches_has_a_cell_that_runs_it():
    """A heuristic for "every claim is a cell": each "## " section has a code cell (the exceptions are above)."""
    import json

    for module in course.manifest.modules():
        nb = json.loads((COURSE / "solutions" / module.id / f"{module.id}.ipynb").read_text())
        sections, heading = {}, None
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                for line in "".join(cell["source"]).splitlines():
                    if line.startswith("## "):
                        heading = line[3:]
                        sections.setdefault(heading, False)
            elif heading is not None:
                sections[heading] = True
        bare = [h for h, has_code in sections.items() if not has_code and not h.startswith(PROSE_ONLY_SECTIONS)]
        assert not bare, f"{module.id}: sections with no cell to show them: {bare}"
