"""Checker self-tests: every anti-pattern fails its module's checks and every fix passes."""

import json
import re

import pytest

from retrylab import checks
from retrylab.checks.module import Suite
from retrylab.world import WorldConfig
from tests.course_files import dag_source

M01 = checks.module("01-checkpoints")
M00 = checks.module("00-orientation")
HIDDEN = Suite.of(
    WorldConfig(seed=13, records=1500, page_size=250),
    ["between_pages:2", "mid_page:3:1", "after_load:6", ("between_pages:1@1", "mid_page:5:5@2")],
)


def as_exercise(source: str) -> str:
    """The anti-pattern handed in as the answer: same code, the exercise's dag_id."""
    return source.replace('dag_id="antipattern_xcom_checkpoint"', 'dag_id="checkpoint_fix"')


@pytest.mark.slow
def test_the_fix_passes_every_check_public_and_hidden(grade, notebook_dag):
    path = notebook_dag("01-checkpoints", "checkpoint_fix.py")
    assert grade(M01, path).passed
    assert grade(M01, path, suite=HIDDEN).passed


def test_the_antipattern_fails_every_crash_check_with_a_named_symptom(lab, grade, dag_file, antipattern):
    verdict = grade(M01, dag_file("anti.py", as_exercise(antipattern)))
    assert verdict.of("clean run")[0].passed
    assert not any(r.passed for r in verdict.of("exactly once"))
    resumes = {r.crash: r for r in verdict.of("resumes from checkpoint")}
    after_3 = resumes["a crash at between_pages:3 on try 1"]
    assert not after_3.passed
    assert "try 2 started from the very beginning and re-did records" in after_3.symptom
    assert "(1200 records)" in after_3.symptom
    once = {r.crash: r for r in verdict.of("exactly once")}["a crash at between_pages:3 on try 1"]
    assert once.symptom.startswith("records ") and "(1200 records) loaded twice after a crash at between_pages:3 on try 1" in once.symptom


def test_a_checkpoint_with_an_appending_sink_is_partly_right(lab, grade, dag_file, checkpoint_fix):
    partial = checkpoint_fix.replace("transform_and_upsert(record)", "transform_and_load(record)")
    verdict = grade(M01, dag_file("partial.py", partial))
    assert all(r.passed for r in verdict.of("resumes from checkpoint"))
    between = [r for r in verdict.of("exactly once") if "between_pages" in r.crash and "@" not in r.crash and ", then" not in r.crash]
    inside = [r for r in verdict.of("exactly once") if "mid_page:2:17" in r.crash]
    assert all(r.passed for r in between)
    assert not inside[0].passed and "(17 records) loaded twice" in inside[0].symptom


def test_a_return_value_that_counts_only_this_try_is_caught(lab, grade, dag_file, checkpoint_fix):
    counting = checkpoint_fix.replace(
        'cursor = task_state_store.get("cursor", 0)', 'cursor = task_state_store.get("cursor", 0)\n        loaded = 0'
    ).replace("transform_and_upsert(record)", "transform_and_upsert(record)\n                loaded += 1").replace(
        'return {"last_id": cursor}', "return loaded"
    )
    verdict = grade(M01, dag_file("counting.py", counting))
    bad = verdict.failed("same return value")
    assert bad and "the task returned 1200 after a crash at between_pages:3 on try 1, but 2400 on a clean run" in [
        r.symptom for r in bad
    ]


@pytest.mark.parametrize(
    ("change", "symptom"),
    [
        (('task_state_store.set("cursor", cursor)', 'task_state_store.set("cursor", None)'), "Cannot set value as None"),
        (('task_state_store.set("cursor", cursor)', 'task_state_store.set("cursor", (cursor,))'), "ValidationError"),
        (('cursor = page[-1]["id"]', "pass"), "the loop never stops"),
        (('dag_id="checkpoint_fix"', 'dag_id="my_fix"'), "no DAG with dag_id 'checkpoint_fix'"),
        (("def process_large_batch(", "def process_batch("), "no task 'process_large_batch'"),
    ],
)
def test_bad_answers_are_explained_without_crashing_the_grader(lab, grade, dag_file, checkpoint_fix, change, symptom):
    source = checkpoint_fix.replace(*change)
    if "def process_batch(" in source:
        source = source.replace("    process_large_batch()", "    process_batch()")
    verdict = grade(M01, dag_file("bad.py", source))
    assert not verdict.passed
    assert all(symptom in r.symptom for r in verdict.results), verdict.summary()


def test_the_untouched_exercise_says_it_is_not_done(lab, grade, dag_file):
    release = dag_source("01-checkpoints", "checkpoint_fix.py")
    start, end = release.index("        cursor = task_state_store"), release.index("    process_large_batch()")
    blank = release[:start] + "        # YOUR CODE HERE\n        raise NotImplementedError()\n\n" + release[end:]
    verdict = grade(M01, dag_file("blank.py", blank))
    assert not verdict.passed and "the exercise is not done yet" in verdict.results[0].symptom


def test_verdict_json_lists_each_check_with_its_crash_point(lab, grade, dag_file, antipattern):
    data = json.loads(grade(M01, dag_file("anti.py", as_exercise(antipattern))).to_json())
    assert data["passed"] is False
    row = data["checks"][1]
    assert set(row) == {"check", "crash", "passed", "symptom", "counts"}


def test_module_00_solution_passes_and_missing_retries_fail(lab, grade, dag_file):
    solution = dag_source("00-orientation", "hello_retries.py")
    assert grade(M00, dag_file("hello.py", solution)).passed
    no_retries = solution.replace("retries=2, retry_delay=timedelta(seconds=0)", "")
    verdict = grade(M00, dag_file("hello_none.py", no_retries))
    assert not any(r.passed for r in verdict.of("survives crashes"))
    one_retry = solution.replace("retries=2", "retries=1")
    verdict = grade(M00, dag_file("hello_one.py", one_retry))
    assert [r.passed for r in verdict.of("survives crashes")] == [True, False]


def test_module_00_catches_a_retry_delay(lab, grade, dag_file):
    slow = dag_source("00-orientation", "hello_retries.py").replace("seconds=0", "seconds=3")
    verdict = grade(M00, dag_file("hello_slow.py", slow))
    assert all(r.passed for r in verdict.of("survives crashes"))
    gap = re.search(r"started ([\d.]+) s after", verdict.failed("retries at once")[0].symptom)
    assert gap and 3.0 <= float(gap[1]) < 10.0  # the delay, plus the scheduler's loop on a busy machine


@pytest.mark.slow
def test_hints_go_deeper_on_each_call_and_never_show_code(lab, dag_file, antipattern, capsys):
    ex = lab.exercise("01-checkpoints", dag_file("anti.py", as_exercise(antipattern)))
    ex.check()
    for _ in range(4):
        ex.hint()
    out = capsys.readouterr().out
    assert "Hint 1/3 for 'resumes from checkpoint'" in out and "Hint 3/3" in out
    assert "task_state_store.set(\"cursor\"" not in out


def test_unknown_modules_and_checks_are_named(lab, grade):
    with pytest.raises(KeyError, match="Modules with checks"):
        checks.module("09")
    with pytest.raises(Exception, match="has no check named"):
        grade(M01, "x.py", only=["nope"])


def test_a_dag_that_cannot_be_checked_is_explained_once(lab, grade, dag_file, checkpoint_fix):
    verdict = grade(M01, dag_file("typo.py", checkpoint_fix.replace("while True:", "while True")))
    summary = verdict.summary()
    assert summary.startswith("FAIL every check (clean run, resumes from checkpoint, exactly once, same return value)")
    assert summary.count("syntax error") == 1


def test_every_hint_names_only_what_its_notebook_defines():
    """A hint that says `lab.run(DAG_FILE)` in a notebook without DAG_FILE sends a learner to a NameError."""
    import ast
    import json
    import re

    from retrylab import checks
    from tests.course_files import COURSE

    for spec in checks.MODULES.values():
        module = spec.id.split("/")[0]  # module 06's parts are graded in its notebook
        nb = json.loads((COURSE / "notebooks" / module / f"{module}.ipynb").read_text())
        defined = set()
        for cell in nb["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] != "code" or source.startswith("%%"):
                continue
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    defined.add(node.id)
                elif isinstance(node, (ast.Import, ast.ImportFrom)):
                    defined |= {(a.asname or a.name).split(".")[0] for a in node.names}
        for check in spec.checks:
            for hint in check.hints:
                for snippet in re.findall(r"`([^`]*\([^`]*)`", hint):
                    for name in re.findall(r"\b([A-Z][A-Z_0-9]{2,})\b", snippet):
                        assert name in defined, f"{spec.id}, check {check.name!r}: the notebook has no {name}: {hint!r}"


def test_a_failing_graded_cell_shows_the_symptom_and_the_first_hint():
    from retrylab.checks.results import CheckFailed, CheckResult, Verdict

    spec = checks.module("01")
    first = spec.check("resumes from checkpoint").hints[0]
    failed = Verdict(spec.id, "dags/x.py", [CheckResult("resumes from checkpoint", "mid_page:2:17", False, "try 2 started at id 0")])
    with pytest.raises(CheckFailed) as caught:
        failed.assert_passed("resumes from checkpoint", hint=first)
    assert str(caught.value) == f"resumes from checkpoint failed:\n- try 2 started at id 0\nHint: {first} (more: ex.hint())"
    passed = Verdict(spec.id, "dags/x.py", [CheckResult("resumes from checkpoint", "mid_page:2:17", True)])
    passed.assert_passed("resumes from checkpoint", hint=first)
