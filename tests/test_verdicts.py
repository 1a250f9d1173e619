"""A test run grades the same DAG text, module and suite once (retrylab/verdicts.py), and nothing else is reused."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from retrylab import verdicts
from retrylab.grader import Grader
from tests.course_files import dag_source

SOLVED = dag_source("00-orientation", "hello_retries.py")


def runs_in(grader_root: Path) -> int:
    db = grader_root / "airflow" / "airflow.db"
    return sqlite3.connect(db).execute("select count(*) from dag_run").fetchone()[0] if db.exists() else 0


def file_at(folder: Path, source: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "hello_retries.py").write_text(source)
    return folder / "hello_retries.py"


def test_the_key_is_the_text_not_where_it_lies(tmp_path):
    one, two = file_at(tmp_path / "a", SOLVED), file_at(tmp_path / "b", SOLVED)
    request = {"suite": None, "hidden": False, "only": [], "fail_fast": False}
    assert verdicts.key("00-orientation", one, request) == verdicts.key("00-orientation", two, request)
    assert verdicts.key("00-orientation", one, request) != verdicts.key("00-orientation", one, request | {"hidden": True})
    assert verdicts.key("00-orientation", one, request) != verdicts.key("01-checkpoints", one, request)
    assert verdicts.key("00-orientation", file_at(tmp_path / "f", SOLVED + "\n\n"), request) == verdicts.key("00-orientation", one, request)
    renamed = tmp_path / "g" / "other_name.py"
    renamed.parent.mkdir()
    renamed.write_text(SOLVED)
    assert verdicts.key("00-orientation", renamed, request) != verdicts.key("00-orientation", one, request)  # symptoms name it
    edited = file_at(tmp_path / "c", SOLVED + "\n# one more line\n")
    assert verdicts.key("00-orientation", edited, request) != verdicts.key("00-orientation", one, request)
    empty = file_at(tmp_path / "d", "")
    missing = tmp_path / "e" / "hello_retries.py"
    assert verdicts.key("00-orientation", empty, request) != verdicts.key("00-orientation", missing, request)


@pytest.mark.timeout(600)
def test_a_second_grader_reuses_the_verdict_and_a_changed_file_is_graded_again(tmp_path, monkeypatch):
    monkeypatch.setenv(verdicts.ENV, str(tmp_path / "verdicts"))
    wrong = SOLVED.replace("retries=2", "retries=0")
    files = {name: file_at(tmp_path / name, source) for name, source in [("first", SOLVED), ("again", SOLVED), ("wrong", wrong)]}
    graders = {name: Grader(tmp_path / name / "grader") for name in files}
    try:
        # Two graders asking at the same moment: one grades, the other waits for its answer.
        with ThreadPoolExecutor(2) as pool:
            first, again = pool.map(lambda name: graders[name].grade("00-orientation", files[name]), ["first", "again"])
        wrong_verdict = graders["wrong"].grade("00-orientation", files["wrong"])
    finally:
        for grader in graders.values():
            grader.close()
    assert first.passed and again.passed and not wrong_verdict.passed
    assert first.results == again.results
    assert again.dag_file == str(files["again"])  # each answer names the file it was asked about
    ran = {name: runs_in(tmp_path / name / "grader") for name in files}
    assert sorted([ran["first"], ran["again"]])[0] == 0 and max(ran["first"], ran["again"]) >= 3, ran
    assert ran["wrong"] >= 3  # another text: graded for real


def test_without_the_folder_nothing_is_kept(tmp_path, monkeypatch):
    monkeypatch.delenv(verdicts.ENV, raising=False)
    calls = []
    for _ in range(2):
        verdicts.reuse("k", lambda progress: calls.append(progress) or [], None)
    assert len(calls) == 2
    assert not list(tmp_path.iterdir())


def test_progress_is_replayed_on_reuse(tmp_path, monkeypatch):
    monkeypatch.setenv(verdicts.ENV, str(tmp_path))

    def compute(progress):
        progress("Running ")
        progress(".")
        return []

    shown: list[str] = []
    verdicts.reuse("k", compute, shown.append)
    verdicts.reuse("k", lambda progress: pytest.fail("graded twice"), shown.append)
    assert shown == ["Running ", ".", "Running ", "."]


@pytest.mark.timeout(300)
def test_the_same_broken_text_under_two_names_names_each_its_own_file(tmp_path, monkeypatch):
    monkeypatch.setenv(verdicts.ENV, str(tmp_path / "verdicts"))
    broken = SOLVED.replace("retries=2,", "retries=2")
    grader = Grader(tmp_path / "grader")
    try:
        for name in ("mine.py", "yours.py"):
            (tmp_path / name).write_text(broken)
            verdict = grader.grade("00-orientation", tmp_path / name)
            assert f"{name} has a syntax error" in verdict.summary(), verdict.summary()
    finally:
        grader.close()
