"""Module 06: a company's DAG repository, triaged with ``retrylab lint`` and proved with each module's crash matrix.

Two kinds of grader. Each unsafe DAG is a ``PART``: the spec of the module that
teaches its fix (same checks, suites and hidden suites) pointed at the
repository's own dag_id. The repository as a whole is ``SPEC``: judged from
its files alone, in the grader process, by what the lint says of them, so a
finding can be fixed or silenced with a reason, but never hidden by deleting
the DAG that has it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from pathlib import Path

from retrylab.checks import m01_checkpoints, m03_resumable_jobs, m04_asset_watermarks, m05_mapped_operations
from retrylab.checks.equivalence import Matrix
from retrylab.checks.module import Check, ModuleSpec, Suite
from retrylab.checks.results import CheckResult
from retrylab.lint import IGNORE, lint_paths, lint_source  # what the lint honours is what the triage judges
from retrylab.lint.facts import call_name
from retrylab.world.state import WorldConfig

ID = "06-capstone"
# Every file of the repository and the DAGs it must go on defining.
REPOSITORY = {
    "ingest_orders.py": ("ingest_orders",),
    "nightly_export.py": ("nightly_export",),
    "orders_watermark.py": ("orders_watermark", "orders_billing"),
    "shard_backfill.py": ("shard_backfill",),
    "orders_snapshot.py": ("orders_snapshot",),
    "billing_switch.py": ("billing_switch",),
}
# What each file must still call: a lint is clean for a DAG emptied of its work too (the release's placeholder,
# `pass`), so the repository check asks for the work as well as for the absence of findings.
WORK = {
    "ingest_orders.py": ("fetch_page",),
    "nightly_export.py": ("submit", "execute_resumable"),
    "orders_watermark.py": ("submit", "fetch_since", "process_order"),
    "shard_backfill.py": ("fetch_page",),
    "orders_snapshot.py": ("fetch_page",),
    "billing_switch.py": ("get",),
}
# The one finding that is fine in context: an operator's hand-set switch is configuration, not progress.
FINE_IN_CONTEXT = {("billing_switch.py", "RS201")}
REASON_WORDS = 4  # "# retrylab: ignore[RS201] <why>": a why of at least this many words


CODE = re.compile(r"`[^`]*\(")  # a hint that runs code names its module's variables, which this notebook lacks


def _part(spec: ModuleSpec, name: str, file: str, *, task_id: str = "", operator_class: str = "") -> tuple[str, ModuleSpec]:
    """(file, ``spec`` pointed at the file's DAG, named like the file), its hints led by which module taught the fix."""
    lead = f"{file} makes a mistake module {spec.id[:2]} teaches: reread its 'Fix it' section, then `{name}.check()` again."
    checks = tuple(replace(c, hints=(lead, *(h for h in c.hints if not CODE.search(h)))) for c in spec.checks)
    return file, replace(
        spec,
        id=f"{ID}/{name}",
        title=f"{file} ({spec.title})",
        dag_id=Path(file).stem,
        task_id=task_id or spec.task_id,
        operator_class=operator_class or spec.operator_class,
        checks=checks,
    )


BY_FILE = dict((
    _part(m01_checkpoints.SPEC, "ingest", "ingest_orders.py", task_id="load_orders"),
    _part(m03_resumable_jobs.SPEC, "export", "nightly_export.py", operator_class="ExportJobOperator"),
    _part(m04_asset_watermarks.SPEC, "watermark", "orders_watermark.py"),
    _part(m05_mapped_operations.SPEC, "shards", "shard_backfill.py"),
))
PARTS = tuple(BY_FILE.values())

def _folder(matrix: Matrix) -> Path:
    assert matrix.dag_file is not None
    return matrix.dag_file


def _missing(folder: Path) -> list[str]:
    """The repository's files, DAGs and work that are no longer there (found by reading, never importing, the files)."""
    problems = []
    for name, dag_ids in REPOSITORY.items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} is gone from the repository: keep every DAG, fix it instead")
            continue
        try:
            tree = ast.parse(path.read_text())
        except SyntaxError as exc:
            problems.append(f"{name} does not parse (line {exc.lineno}: {exc.msg})")
            continue
        strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        problems += [f"{name} no longer defines the DAG {dag_id!r}" for dag_id in dag_ids if dag_id not in strings]
        if any(isinstance(n, ast.Raise) and "NotImplementedError" in ast.unparse(n) for n in ast.walk(tree)):
            problems.append(f"{name} still has the exercise's placeholder (raise NotImplementedError): the exercise is not done yet")
            continue
        called = {call_name(n) for n in ast.walk(tree) if isinstance(n, ast.Call)}
        lost = [f for f in WORK[name] if f not in called]
        if lost:
            problems.append(f"{name} no longer calls {', '.join(lost)}: a DAG that does no work has no findings, but it is not a fix")
    return problems


def _lint_clean(matrix: Matrix) -> list[CheckResult]:
    folder = _folder(matrix)
    problems = _missing(folder)
    findings = lint_paths([folder])
    problems += [f"{Path(f.path).name}:{f.line} {f.rule} ({f.about.name}, {f.about.severity})" for f in findings]
    return [CheckResult("lint is clean", "", not problems, "; ".join(problems), {"findings": len(findings)})]


def _suppressions(folder: Path) -> list[tuple[str, int, set[str], str]]:
    """Every ignore comment: (file, line, rule ids it names, the reason written after it)."""
    out = []
    for name in sorted(REPOSITORY):
        path = folder / name
        if not path.is_file():
            continue
        for number, text in enumerate(path.read_text().splitlines(), 1):
            match = IGNORE.search(text)
            if match:
                ids = {i.strip().upper() for i in (match["ids"] or "").split(",") if i.strip()}
                out.append((name, number, ids, match["why"].strip()))
    return out


def _triage(matrix: Matrix) -> list[CheckResult]:
    """Only the finding that is fine in context is silenced, by rule, with a reason; and it is still there to silence."""
    folder = _folder(matrix)
    problems = []
    for name, line, ids, why in _suppressions(folder):
        where = f"{name}:{line}"
        if not ids:
            problems.append(f"{where} silences every rule: name the one that is fine in context, e.g. ignore[RS201]")
        for rule in sorted(ids - {r for f, r in FINE_IN_CONTEXT if f == name}):
            problems.append(f"{where} silences {rule}, a finding the crash matrix shows is real there: fix the code instead")
        if ids and len(why.split()) < REASON_WORDS:
            problems.append(f"{where} gives no reason after the rule (write why it is fine in context, in a few words)")
    for name, rule in sorted(FINE_IN_CONTEXT):
        path = folder / name
        if not path.is_file():
            continue  # "lint is clean" reports the missing file
        unsilenced = IGNORE.sub("", path.read_text())
        if rule not in {f.rule for f in lint_source(unsilenced, name)}:
            problems.append(
                f"{name} no longer does what the lint flagged ({rule}): the switch must still set its Variable; "
                "a finding that is fine in context is silenced with a reason, not coded around"
            )
    return [CheckResult("findings triaged", "", not problems, "; ".join(problems))]


CHECKS = (
    Check(
        "lint is clean",
        _lint_clean,
        (
            "Run `!retrylab lint dags` and read each finding's rule and fix line.",
            "Errors name the module that teaches the fix. Warnings are rated low, not harmless: check each against the crash matrix.",
            "A finding that is fine in context is silenced on its line with `# retrylab: ignore[RULE] why it is fine`.",
        ),
    ),
    Check(
        "findings triaged",
        _triage,
        (
            "Which finding describes something the DAG is meant to do? Read its message and ask what a retry or a second run would change.",
            "A Variable an operator sets by hand, read by every run on purpose, is configuration; a retry that sets it again writes the same value.",
            "Silence that one finding on its line with the rule id and a reason; fix every other finding in the code.",
        ),
    ),
)

SPEC = ModuleSpec(
    id=ID,
    title="Capstone: a repository that survives retries",
    dag_id="",
    task_id="",
    suite=Suite(WorldConfig(), ()),
    checks=CHECKS,
    static=True,
    parts=tuple((part.id, file) for file, part in BY_FILE.items()),
)
