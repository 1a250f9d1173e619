"""`retrylab lint`: every labelled DAG gets exactly its rules, and the tool behaves as a linter should."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from retrylab.cli import main
from retrylab.lint import RULES, lint_source
from tests.course_files import dag_source
from tests.lint_corpus import AIRFLOW_EXAMPLES, COURSE, COURSE_ANTIPATTERNS, cases, found

CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_lint_reports_exactly_the_labelled_rules(case):
    got = found(case)
    assert got == case.expected, (
        f"{case.path}: missed {sorted(case.expected - got) or 'nothing'}, "
        f"wrongly reported {sorted(got - case.expected) or 'nothing'}"
    )


def test_the_corpus_holds_what_it_claims():
    groups = {}
    for case in CASES:
        groups.setdefault(case.group, []).append(case)
    assert len(groups["seed"]) == 3 and all(c.expected for c in groups["seed"])
    assert len(groups["realistic"]) >= 20
    assert sum(1 for c in groups["realistic"] if not c.expected) >= 8, "clean look-alikes keep precision honest"
    assert len(groups["Airflow examples"]) >= 40, "Airflow's example DAGs moved: point the corpus at them again"
    named = {c.path.relative_to(c.path.parents[2]).as_posix() for c in groups["Airflow examples"]}
    assert {f"airflow/{k}" for k in AIRFLOW_EXAMPLES} <= named
    labelled = {c.path.relative_to(COURSE / "solutions").as_posix() for c in groups["course anti-patterns"]}
    assert labelled == set(COURSE_ANTIPATTERNS)
    every_rule_shown = set().union(*(c.expected for c in CASES))
    assert every_rule_shown == set(RULES), f"rules no labelled file shows: {sorted(set(RULES) - every_rule_shown)}"


SEED_STYLE = textwrap.dedent('''
    from airflow.models import Variable
    from airflow.sdk import task

    @task
    def ingest():
        cursor = Variable.get("cursor")
        for record in fetch(cursor):
            Variable.set("cursor", record["id"]){comment}
''')


@pytest.mark.parametrize(
    "comment, silenced",
    [
        ("", False),
        ("  # retrylab: ignore[RS201] one-off backfill, runs alone", True),
        ("  # retrylab: ignore[RS101]", False),
        ("  # retrylab: ignore[rs101, rs201]", True),
        ("  # retrylab: ignore", True),
    ],
)
def test_an_ignore_comment_silences_only_the_rules_it_names(comment, silenced):
    findings = lint_source(SEED_STYLE.format(comment=comment), "dag.py")
    assert [f.rule for f in findings] == ([] if silenced else ["RS201"])


def test_a_file_that_does_not_parse_gets_one_finding_at_the_error():
    findings = lint_source("from airflow.sdk import task\n\n@task\ndef load(:\n    pass\n", "broken.py")
    assert [(f.rule, f.line) for f in findings] == [("RS000", 4)]


def test_wrong_types_in_state_are_found_through_a_helper_and_an_alias():
    source = textwrap.dedent('''
        from datetime import datetime
        from airflow.sdk import get_current_context, task

        def remember(store, when):
            store.set("last_seen", when)
            store.set("ttl", "x", retention=60 * 60)

        @task
        def load():
            ckpt = get_current_context()["task_state_store"]
            remember(ckpt, datetime(2025, 1, 1))
    ''')
    assert sorted(f.rule for f in lint_source(source)) == ["RS701", "RS702"]


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["lint", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_exit_codes_and_text_report(capsys, tmp_path):
    bad = COURSE / "tests/lint_corpus/seed/antipattern_variables.py"
    good = tmp_path / "variables_fix.py"
    good.write_text(dag_source("02-global-variables", "variables_fix.py"))
    code, out, _ = run_cli(capsys, str(bad))
    assert code == 1
    assert f"{bad}:" in out and "RS201 [error] variable-progress" in out and "taught in module 02-global-variables" in out
    assert "1 file checked: 2 errors." in out
    assert run_cli(capsys, str(good))[:2] == (0, "1 file checked: no findings.\n")
    code, _, err = run_cli(capsys, str(tmp_path / "missing.py"))
    assert code == 2 and "No such file or folder" in err
    code, _, err = run_cli(capsys, str(good), "--select", "RS999")
    assert code == 2 and "Unknown rule RS999" in err
    code, _, err = run_cli(capsys)
    assert code == 2 and "retrylab lint dags/" in err
    code, out, _ = run_cli(capsys, str(bad), "--select", "RS101")
    assert code == 0


def test_json_and_sarif_reports(capsys, tmp_path):
    folder = COURSE / "tests/lint_corpus/seed"
    code, out, _ = run_cli(capsys, str(folder), "--format", "json")
    assert code == 1
    findings = json.loads(out)
    assert {(Path(f["path"]).name, f["rule"]) for f in findings} >= {
        ("antipattern_xcom_checkpoint.py", "RS101"), ("antipattern_variables.py", "RS201"),
        ("antipattern_xcom_watermark.py", "RS301")}
    assert set(findings[0]) >= {"path", "line", "column", "rule", "severity", "message", "fix", "module"}

    out_file = tmp_path / "lint.sarif"
    assert run_cli(capsys, str(folder), "--format", "sarif", "--output", str(out_file))[0] == 1
    log = json.loads(out_file.read_text())
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} == set(RULES)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
    assert len(run["results"]) == len(findings)


def test_lint_never_imports_the_dag_or_airflow(tmp_path):
    """A learner's own repository: no course set-up, no Airflow import, no DAG code run."""
    marker = tmp_path / "imported"
    dag = tmp_path / "dags" / "side_effect.py"
    dag.parent.mkdir()
    dag.write_text(f"open({str(marker)!r}, 'w').write('ran')\nfrom airflow.models import Variable\n")
    script = (
        "import sys\nfrom retrylab.cli import main\n"
        f"code = main(['lint', {str(dag.parent)!r}])\n"
        "assert not [m for m in sys.modules if m == 'airflow' or m.startswith('airflow.')], 'imported Airflow'\n"
        "sys.exit(code)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")} | {"HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "1 file checked: no findings." in proc.stdout
    assert not marker.exists()


def test_the_shipped_pre_commit_hook_fails_a_commit_with_a_finding(tmp_path):
    """pre-commit runs the hook as shipped (its entry, file types and file passing) on a repository."""
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(str(COURSE / ".pre-commit-hooks.yaml"))
    assert hook["id"] == "retrylab-lint" and hook["language"] == "python" and hook["types"] == ["python"]
    repo = tmp_path / "repo"
    (repo / "dags").mkdir(parents=True)
    (repo / "dags" / "ok.py").write_text(dag_source("01-checkpoints", "checkpoint_fix.py"))
    (repo / "README.md").write_text("not python\n")
    local = {k: hook[k] for k in ("id", "name", "entry", "types", "pass_filenames")}
    local["entry"] = f"{Path(sys.executable).parent / hook['entry']}"  # language: system runs the installed tool
    config = {"repos": [{"repo": "local", "hooks": [local | {"language": "system"}]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path)}

    def pre_commit() -> subprocess.CompletedProcess:
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
        return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=repo, env=env,
                              capture_output=True, text=True)

    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    passed = pre_commit()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    (repo / "dags" / "bad.py").write_text((COURSE / "tests/lint_corpus/seed/antipattern_variables.py").read_text())
    failed = pre_commit()
    assert failed.returncode == 1
    assert "dags/bad.py:" in failed.stdout and "RS201" in failed.stdout and "README" not in failed.stdout
