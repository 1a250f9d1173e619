"""Module 06's graders: the repository judged by the lint (fixed, or silenced with a reason, never deleted), each
unsafe DAG by its module's crash matrix under the repository's ids. Right answers written differently pass; the
mistakes and cheats a learner could try fail with a symptom that says what to do."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from retrylab import checks
from retrylab.checks import m06_capstone as m06
from tests.course_files import dag_files

MODULE = "06-capstone"
TRIAGE = checks.module(MODULE)


def repository(folder: Path, *, inherited: bool = False, **changes: str) -> Path:
    """The repository as the notebook's solution leaves it (or as inherited), with files replaced or (None) removed."""
    folder.mkdir(parents=True, exist_ok=True)
    files = dag_files(MODULE, first=inherited) | changes
    for name, text in files.items():
        if text is not None:
            (folder / name).write_text(text)
    return folder


def verdict(folder: Path):
    return TRIAGE.grade(None, folder)  # judged from the files alone: no lab, no run


def symptoms(folder: Path, check: str) -> str:
    return "; ".join(r.symptom for r in verdict(folder).results if r.check == check and not r.passed)


def solved(name: str) -> str:
    return dag_files(MODULE)[name]


def test_the_solved_repository_passes_and_the_inherited_one_fails_the_lint(tmp_path):
    assert verdict(repository(tmp_path / "solved")).passed
    found = symptoms(repository(tmp_path / "inherited", inherited=True), "lint is clean")
    for finding in ("ingest_orders.py:17 RS601", "nightly_export.py:27 RS403", "orders_watermark.py:27 RS301",
                    "shard_backfill.py:20 RS602 (append-after-cursor, warning)", "billing_switch.py:20 RS201"):
        assert finding in found, found


def test_the_repository_modules_are_registered_under_the_capstone():
    assert {p.id for p in m06.PARTS} <= set(checks.MODULES)
    assert checks.module("06") is TRIAGE and TRIAGE.static
    assert [name for _, name in TRIAGE.parts] == ["ingest_orders.py", "nightly_export.py", "orders_watermark.py", "shard_backfill.py"]
    assert checks.module("06-capstone/export").operator_class == "ExportJobOperator"
    assert checks.module("06-capstone/ingest").hidden == checks.module("01").hidden  # the module's hidden suites too


@pytest.mark.parametrize(
    ("label", "switch_line"),
    [
        ("lower case, two rules named", "# retrylab:ignore[rs201, RS201] set by an operator on purpose, same value on retry"),
        ("the comment on the call's last line", None),
    ],
)
def test_a_suppression_written_differently_passes(tmp_path, label, switch_line):
    text = solved("billing_switch.py")
    if switch_line is None:
        text = text.replace(
            'Variable.set("billing_paused", now)  # retrylab: ignore[RS201]',
            'Variable.set(\n            "billing_paused",\n            now,\n        )  # retrylab: ignore[RS201]',
        )
    else:
        text = text.replace(text[text.index("# retrylab: ignore"):text.index("\n", text.index("# retrylab: ignore"))], switch_line)
    result = verdict(repository(tmp_path, **{"billing_switch.py": text}))
    assert result.passed, (label, result.summary())


def test_deleting_a_dag_or_its_file_does_not_clean_the_lint(tmp_path):
    gone = symptoms(repository(tmp_path / "gone", **{"shard_backfill.py": None}), "lint is clean")
    assert "shard_backfill.py is gone from the repository" in gone
    renamed = solved("orders_watermark.py").replace('dag_id="orders_billing"', 'dag_id="billing_v2"')
    assert "no longer defines the DAG 'orders_billing'" in symptoms(repository(tmp_path / "renamed", **{"orders_watermark.py": renamed}), "lint is clean")
    broken = solved("orders_snapshot.py").replace("def rebuild_snapshot():", "def rebuild_snapshot()")
    assert "orders_snapshot.py does not parse" in symptoms(repository(tmp_path / "syntax", **{"orders_snapshot.py": broken}), "lint is clean")


def test_a_repository_emptied_of_its_work_is_not_lint_clean(tmp_path):
    """The release's placeholder, or bodies replaced by `pass`, have no findings: the check asks for the work too."""
    blank = symptoms(repository(tmp_path / "blank", **{"ingest_orders.py": solved("ingest_orders.py").replace(
        solved("ingest_orders.py")[solved("ingest_orders.py").index("        cursor ="):solved("ingest_orders.py").index("\n\n    load_orders()")],
        "        raise NotImplementedError()")}), "lint is clean")
    assert "ingest_orders.py still has the exercise's placeholder" in blank and "not done yet" in blank
    inherited = dag_files(MODULE, first=True)["orders_watermark.py"]
    body = inherited[inherited.index("        ti = context"):inherited.index("\n\n    load_orders()")]
    emptied = symptoms(repository(tmp_path / "pass", **{"orders_watermark.py": inherited.replace(body, "        pass")}), "lint is clean")
    assert "orders_watermark.py no longer calls submit, fetch_since: a DAG that does no work has no findings" in emptied


def test_silencing_a_true_positive_fails_the_triage_even_with_a_reason(tmp_path):
    inherited = dag_files(MODULE, first=True)["shard_backfill.py"]
    hidden = inherited.replace("transform_and_load(record)", "transform_and_load(record)  # retrylab: ignore[RS602] the warehouse dedupes later")
    folder = repository(tmp_path / "hidden", **{"shard_backfill.py": hidden})
    assert not symptoms(folder, "lint is clean")  # the lint itself is silenced ...
    assert "shard_backfill.py:20 silences RS602, a finding the crash matrix shows is real" in symptoms(folder, "findings triaged")
    blanket = inherited.replace("transform_and_load(record)", "transform_and_load(record)  # retrylab: ignore")
    assert "silences every rule" in symptoms(repository(tmp_path / "blanket", **{"shard_backfill.py": blanket}), "findings triaged")


def test_a_suppression_without_a_reason_fails(tmp_path):
    text = solved("billing_switch.py")
    bare = text[: text.index("# retrylab: ignore[RS201]") + len("# retrylab: ignore[RS201]")] + text[text.index("\n", text.index("# retrylab")):]
    assert "gives no reason" in symptoms(repository(tmp_path, **{"billing_switch.py": bare}), "findings triaged")


def test_coding_around_the_switch_instead_of_triaging_it_fails(tmp_path):
    """Hiding the write from the lint (or dropping it) makes the lint clean, but the switch no longer switches."""
    text = solved("billing_switch.py")
    line = text[text.index('        Variable.set("billing_paused"'):text.index("\n", text.index('Variable.set("billing_paused"')) + 1]
    for label, replacement in (("dropped", ""), ("hidden", '        getattr(Variable, "set")("billing_paused", now)\n')):
        folder = repository(tmp_path / label, **{"billing_switch.py": text.replace(line, replacement)})
        assert not symptoms(folder, "lint is clean"), label
        assert "no longer does what the lint flagged (RS201)" in symptoms(folder, "findings triaged"), label


def test_the_summary_of_a_check_on_files_has_no_scenario_count(tmp_path):
    summary = verdict(repository(tmp_path)).summary()
    assert summary.splitlines() == ["PASS lint is clean", "PASS findings triaged"]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_retrylab_check_06_grades_the_inherited_folder_part_by_part(tmp_path):
    """Every unsafe DAG fails its module's matrix with the repository's names; the safe ones stay quiet."""
    folder = repository(tmp_path / "dags", inherited=True)
    done = subprocess.run([sys.executable, "-c", "from retrylab.cli import run; run()", "check", "06", str(folder), "--json"],
                          capture_output=True, text=True, timeout=850, cwd=tmp_path)
    assert done.returncode == 1, done.stderr[-2000:]
    results = json.loads(done.stdout)["checks"]
    failed = {r["check"] for r in results if not r["passed"]}
    assert failed == {
        "lint is clean",
        "ingest_orders.py: exactly once",
        "nightly_export.py: reconnects instead of resubmitting",
        "nightly_export.py: same return value",
        "orders_watermark.py: every order once",
        "orders_watermark.py: exactly once downstream",
        "orders_watermark.py: one batch job per run",
        "shard_backfill.py: exactly once",
    }, failed
    assert any("never loaded after a crash at mid_page:2:17" in r["symptom"] for r in results)
    assert any(r["crash"].startswith("hidden scenario") for r in results)  # the hidden suites ran too


def test_retrylab_check_06_wants_a_folder(tmp_path):
    file = repository(tmp_path / "dags") / "ingest_orders.py"
    done = subprocess.run([sys.executable, "-c", "from retrylab.cli import run; run()", "check", "06", str(file)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "grades a repository: give its folder" in done.stderr
