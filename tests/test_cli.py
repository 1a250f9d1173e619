"""The terminal grader: exit codes and JSON, in a fresh process as a learner runs it."""

import json
import subprocess
import sys

import pytest

from tests.course_files import COURSE, dag_source, write


def retrylab(*args, cwd=COURSE):
    return subprocess.run([sys.executable, "-m", "retrylab.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.mark.slow
def test_check_passes_the_fix_and_fails_the_antipattern_with_json(tmp_path):
    fix = write(tmp_path, "checkpoint_fix.py", dag_source("01-checkpoints", "checkpoint_fix.py"))
    anti = write(
        tmp_path,
        "anti.py",
        dag_source("01-checkpoints", "antipattern_xcom_checkpoint.py").replace(
            '"antipattern_xcom_checkpoint"', '"checkpoint_fix"'
        ),
    )
    good = retrylab("check", "01", str(fix))
    assert good.returncode == 0, good.stdout + good.stderr
    assert "All checks pass." in good.stdout
    bad = retrylab("check", "01-checkpoints", str(anti), "--json")
    assert bad.returncode == 1
    data = json.loads(bad.stdout)
    failing = [c for c in data["checks"] if not c["passed"]]
    assert data["passed"] is False and failing
    assert {"check", "crash", "passed", "symptom", "counts"} <= set(failing[0])
    assert any("loaded twice after a crash at between_pages:3 on try 1" in c["symptom"] for c in failing)


def test_usage_errors_exit_2_with_a_message(tmp_path):
    unknown = retrylab("check", "42", str(tmp_path / "x.py"))
    assert unknown.returncode == 2 and "Modules with checks" in unknown.stderr
    missing = retrylab("check", "01", str(tmp_path / "nope.py"))
    assert missing.returncode == 2 and "No such DAG file" in missing.stderr


def test_doctor_reports_the_environment():
    out = retrylab("doctor")
    assert out.returncode == 0, out.stdout
    assert "Apache Airflow 3.3" in out.stdout and "Everything is ready." in out.stdout


def test_progress_lists_every_module(tmp_path):
    (tmp_path / "notebooks" / "00-orientation" / ".sandbox").mkdir(parents=True)
    (tmp_path / "notebooks" / "01-checkpoints").mkdir(parents=True)
    from retrylab import progress

    progress.record(tmp_path / "notebooks" / "00-orientation" / ".sandbox", "00-orientation", True, [])
    out = retrylab("progress", "--course", str(tmp_path))
    assert out.returncode == 0
    assert "00-orientation" in out.stdout and "done" in out.stdout
    assert "01-checkpoints" in out.stdout and "not checked yet" in out.stdout


def test_check_explains_a_module_03_file_that_cannot_load(tmp_path):
    broken = write(tmp_path, "resumable_fix.py", dag_source("03-resumable-jobs", "resumable_fix.py").replace("def execute(self, context):", "def execute(self, context)"))
    result = retrylab("check", "03", str(broken))
    assert result.returncode == 1
    assert "syntax error" in result.stdout and "every check" in result.stdout


def test_a_dag_that_prints_fake_json_and_exits_cannot_fake_the_verdict(tmp_path):
    fix = dag_source("01-checkpoints", "checkpoint_fix.py")
    assert "    @task(" in fix
    cheat = fix.replace(
        "    @task(",
        "    import os, sys\n"
        '    sys.__stdout__.write(\'{"module": "01-checkpoints", "passed": true, "checks": []}\\n\')\n'
        "    sys.__stdout__.flush()\n"
        "    os._exit(0)\n"
        "    @task(",
        1,
    )
    path = write(tmp_path, "checkpoint_fix.py", cheat)
    out = tmp_path / "verdict.json"
    result = retrylab("check", "01", str(path), "--json", "--output", str(out))
    assert result.returncode == 1, result.stdout + result.stderr
    verdict = json.loads(result.stdout)  # only the grader's JSON: the DAG's text never reaches this stdout
    assert verdict["passed"] is False and json.loads(out.read_text()) == verdict
    assert "os._exit" in verdict["checks"][0]["symptom"]


def test_a_syntax_error_names_the_learners_file(tmp_path):
    path = write(tmp_path, "checkpoint_fix.py", dag_source("01-checkpoints", "checkpoint_fix.py").replace("while True:", "while True"))
    result = retrylab("check", "01", str(path))
    assert result.returncode == 1
    assert "checkpoint_fix.py has a syntax error" in result.stdout
    assert "retrylab-check-" not in result.stdout  # never the grader's temporary copy
