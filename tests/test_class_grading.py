"""Grading a class on Airflow (retrylab.class_grading): the same scores as nbgrader's own autograde, retries that
do not grade again, a grader killed halfway that resumes."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import psutil
import pytest

from retrylab.class_grading import CRASH_ENV, LEDGER
from retrylab.class_grading.run import grade_class, main, work_folder
from retrylab.class_grading.submission import notebook_env
from retrylab.class_grading.submissions import Submission, find
from tests import nbgrader_course as nbc
from tests.course_files import fresh_copy

M00, M01 = "00-orientation", "01-checkpoints"
CELL00 = "hello-retries-dag"


def hand_in(course: Path, module: str, students: dict[str, nbc.Edit]) -> None:
    """Each student's edited copy of the released notebook, where `make collect` puts it."""
    released = nbformat.read(course / "notebooks" / module / f"{module}.ipynb", as_version=4)
    answers = nbc.solutions_by_id(module)
    for student, edit in students.items():
        copy = nbformat.from_dict(released)
        edit(copy, answers)
        folder = course / "grading" / "submitted" / student / module
        folder.mkdir(parents=True)
        nbformat.write(copy, folder / f"{module}.ipynb")


def mixed_00() -> dict[str, nbc.Edit]:
    solution = nbc.solutions_by_id(M00)[CELL00]
    return {
        "ada": nbc.solved,
        "bo": nbc.answer_with(CELL00, solution.replace("seconds=0", "seconds=3")),  # survives, but waits
        "cy": nbc.untouched,
        "di": nbc.answer_with(CELL00, solution.replace("retries=2,", "retries=2")),  # a syntax error
        "ed": nbc.edit_tests_to_pass,  # a cheat: the tests replaced by `pass` (nbgrader puts them back)
    }


def ledger(course: Path) -> list[dict]:
    path = work_folder(course) / LEDGER
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def class_scores(course: Path, module: str, student: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'grading' / 'gradebook.db'}", "retry-safe-airflow") as gb:
        sub = gb.find_submission(module, student)
        return {g.name: g.auto_score for nb in sub.notebooks for g in nb.grades}


# -- without Airflow -------------------------------------------------------------
def test_submissions_are_found_slowest_module_first(tmp_path):
    for student, module in [("ana", M00), ("ben", M01), ("ana", M01), ("cai", "not-a-module"), ("dan", M00)]:
        folder = tmp_path / student / module
        folder.mkdir(parents=True)
        (folder / f"{module}.ipynb").write_text("{}")
    (tmp_path / "eve" / M00).mkdir(parents=True)  # a folder with no notebook is nothing to grade
    found = find(tmp_path)
    assert found == [Submission("ana", M01), Submission("ben", M01), Submission("ana", M00), Submission("dan", M00)]
    assert find(tmp_path, [M00]) == [Submission("ana", M00), Submission("dan", M00)]
    assert find(tmp_path / "missing") == []


def test_the_graded_notebook_gets_no_setting_of_the_airflow_that_runs_the_grading(monkeypatch):
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "LocalExecutor")
    monkeypatch.setenv("AIRFLOW_HOME", "/grader/airflow")
    monkeypatch.setenv(CRASH_ENV, "after_autograde:x/y")
    monkeypatch.setenv("RETRYLAB_CACHE", "/cache")  # the notebooks' own template cache is kept
    env = notebook_env()
    assert not [k for k in env if k.startswith("AIRFLOW") or k == CRASH_ENV]
    assert env["RETRYLAB_CACHE"] == "/cache"


def test_two_slots_per_core_unless_memory_holds_fewer(monkeypatch):
    import psutil

    from retrylab.class_grading import run

    cores = len(os.sched_getaffinity(0))
    free = lambda gib: monkeypatch.setattr(psutil, "virtual_memory", lambda: SimpleNamespace(available=int(gib * 2**30)))  # noqa: E731
    free(1000)
    assert run.default_workers() == 2 * cores
    free(2 * run.SLOT_MEMORY / 2**30 + 0.5)
    assert run.default_workers() == min(2, 2 * cores)
    free(0.5)
    assert run.default_workers() == 1  # too little memory for one: one anyway, the machine decides


def test_a_class_with_nothing_handed_in_gets_a_message_saying_where_submissions_go(tmp_path, capsys):
    (tmp_path / "grading").mkdir()
    with pytest.raises(SystemExit, match=r"grading/submitted/<student>/<module>/.*make collect"):
        main(["--course", str(tmp_path)])
    with pytest.raises(SystemExit):
        main(["--workers", "0", "--course", str(tmp_path)])
    assert "--workers must be at least 1" in capsys.readouterr().err


def test_grading_on_celery_without_redis_says_what_to_install(tmp_path, monkeypatch, capsys):
    hand_in(fresh_copy(tmp_path / "course"), M00, {"ada": nbc.untouched})
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))  # no redis-server anywhere
    assert main([M00, "--celery", "2", "--course", str(tmp_path / "course")]) == 2
    err = capsys.readouterr().err
    assert "apt-get install redis-server" in err and "leave CELERY out" in err
    assert not leftovers(tmp_path / "course", wait=5)  # nothing was started (the deployment waits for its broker)


# -- a class graded on Airflow -------------------------------------------------------
@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """Seven submissions in two modules graded on the Airflow deployment, beside nbgrader's own sequential
    autograde of the same notebooks; bo's first try is killed between grading and recording."""
    course = fresh_copy(tmp_path_factory.mktemp("class"))
    hand_in(course, M00, mixed_00())
    hand_in(course, M01, {"ada": nbc.solved, "cy": nbc.untouched})
    out = io.StringIO()
    outcome = grade_class(course, workers=2, out=out, env={CRASH_ENV: f"after_autograde:bo/{M00}"})
    reference = {
        M00: nbc.grade(tmp_path_factory.mktemp("nbgrader00"), M00, mixed_00()),
        M01: nbc.grade(tmp_path_factory.mktemp("nbgrader01"), M01, {"ada": nbc.solved, "cy": nbc.untouched}),
    }
    return course, outcome, out.getvalue(), reference


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_every_submission_gets_the_score_nbgraders_own_autograde_gives(graded_class):
    course, outcome, printed, reference = graded_class
    assert outcome.state == "success" and not outcome.failed, printed
    for module, graded in reference.items():
        for student, expected in graded.scores.items():
            assert class_scores(course, module, student) == expected, (module, student)
    assert reference[M00].total("ada") == 3 and reference[M00].total("ed") == 0  # the mix really is mixed
    assert "[7/7] graded" in printed


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_the_class_folders_get_what_formgrader_and_feedback_read(graded_class):
    course, _outcome, _printed, _reference = graded_class
    for student, module in [("ada", M00), ("di", M00), ("cy", M01)]:
        assert (course / "grading" / "autograded" / student / module / f"{module}.ipynb").is_file()
        assert (course / "grading" / "feedback" / student / module / f"{module}.html").is_file()
    assert not (course / "grading" / "autograded" / "ada" / M00 / ".sandbox").exists()  # the run's Airflow stays behind
    assert "not done yet" in (course / "grading" / "feedback" / "cy" / M00 / f"{M00}.html").read_text()
    assert not leftovers(course), "the grading left processes behind"


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_a_grading_killed_between_grading_and_recording_records_without_grading_again(graded_class):
    course, _outcome, _printed, _reference = graded_class
    bo = [e for e in ledger(course) if e["submission"] == f"bo/{M00}"]
    assert [(e["event"], e["try"]) for e in bo] == [("autograde", 1), ("recorded", 2)]
    assert {e["worker"] for e in ledger(course)} == {"local"}
    every = ledger(course)
    autograded = [e["submission"] for e in every if e["event"] == "autograde"]
    # Every other submission graded exactly once (a try after its recording only reports the score again).
    assert sorted(autograded) == sorted(set(autograded)) == sorted({e["submission"] for e in every if e["event"] == "recorded"})


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_a_grader_killed_halfway_resumes_without_regrading_what_it_finished(tmp_path):
    course = fresh_copy(tmp_path / "course")
    solution = nbc.solutions_by_id(M00)[CELL00]
    hand_in(course, M00, {"ada": nbc.solved, "cy": nbc.untouched, "di": nbc.answer_with(CELL00, solution.replace("retries=2,", "retries=2"))})
    command = [sys.executable, "-m", "retrylab.class_grading", M00, "--workers", "1", "--course", str(course)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    deadline = time.monotonic() + 600
    while not any(e["event"] == "recorded" for e in ledger(course)):
        assert first.poll() is None and time.monotonic() < deadline, first.stdout.read() if first.poll() is not None else "timeout"
        time.sleep(0.5)
    finished = {e["submission"] for e in ledger(course) if e["event"] == "recorded"}
    family = psutil.Process(first.pid).children(recursive=True)
    first.send_signal(signal.SIGKILL)  # the grader dies at once: no clean-up of its own
    first.wait()
    gone, alive = psutil.wait_procs(family, timeout=30)
    assert not alive, f"the killed grader left {[p.cmdline()[:3] for p in alive]}"
    run_before = json.loads((work_folder(course) / "run.json").read_text())["run_id"]

    second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert f"Resuming {run_before}" in second.stdout
    autogrades = [e["submission"] for e in ledger(course) if e["event"] == "autograde"]
    for label in finished:
        assert autogrades.count(label) == 1, f"{label} was graded again after the resume"
    assert {e["submission"] for e in ledger(course) if e["event"] == "recorded"} == {f"{s}/{M00}" for s in ("ada", "cy", "di")}
    assert sum(class_scores(course, M00, "ada").values()) == 3
    assert sum(class_scores(course, M00, "cy").values()) == sum(class_scores(course, M00, "di").values()) == 0


def leftovers(course: Path, wait: float = 20.0) -> list[str]:
    """Processes that still run in or for ``course`` (a server, a worker, Redis) after ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for proc in psutil.process_iter(["pid", "cmdline"]):
            with contextlib.suppress(psutil.Error):
                home = proc.environ().get("AIRFLOW_HOME", "")
                if proc.pid != os.getpid() and (home.startswith(str(course)) or proc.cwd().startswith(str(course))):
                    found.append(" ".join(proc.info["cmdline"] or [])[:80])
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


@pytest.mark.slow
@pytest.mark.timeout(1500)
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs Redis (redis-server; .ci/run installs it)")
def test_on_celery_two_workers_share_the_class_and_give_the_same_scores(graded_class, tmp_path):
    _course, _outcome, _printed, reference = graded_class
    course = fresh_copy(tmp_path / "course")
    students = {name: edit for name, edit in mixed_00().items() if name != "bo"}
    hand_in(course, M00, students)
    out = io.StringIO()
    outcome = grade_class(course, workers=2, celery_workers=2, out=out)
    assert outcome.state == "success" and not outcome.failed, out.getvalue()
    assert "on 2 Celery workers, Redis on 127.0.0.1" in out.getvalue()
    for student in students:
        assert class_scores(course, M00, student) == reference[M00].scores[student], student
    assert {e["worker"] for e in ledger(course)} == {"celery-1", "celery-2"}
    assert not leftovers(course), "the grading left processes behind"
