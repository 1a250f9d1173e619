"""The adversarial corpus: learner submissions written apart from the grader, each with the verdict it must get.

``tests/adversarial/<module>/<case>.py`` starts with a header:
``# expect: pass|fail``, ``# class: ...``, optionally ``# symptom: <text a
failure must mention>`` and ``# why: ...``. Classes: right-variant,
slow-but-correct, process-state, catches-crash, cheat, mistake, bad-input.

Each module is attacked with a suite small enough for ``make test`` that
still has a crash between pages, one inside a page and two crashes in a row
(``ATTACK``); a case must get its verdict there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from retrylab import checks, grading
from retrylab.checks.equivalence import Scenario
from retrylab.checks.module import Suite
from retrylab.faults import plan
from retrylab.world.state import WorldConfig

CORPUS = Path(__file__).parent / "adversarial"
CLASSES = {"right-variant", "slow-but-correct", "process-state", "catches-crash", "cheat", "mistake", "bad-input"}


def _m03() -> Suite:
    from retrylab.checks import m03_resumable_jobs as m03

    return Suite.of(
        m03.WORLD,
        ["while_running"],
        kill=True,
        more=(
            Scenario(plan("while_pending", mode="kill"), m03.LONG_QUEUE, "a long queue"),
            Scenario(plan("while_running@1", "while_running@2")),  # crashes a task can catch
            Scenario((), m03.FAILS_FIRST, "the first job FAILED"),
        ),
    )


ATTACK = {
    "01-checkpoints": lambda: Suite.of(
        WorldConfig(seed=5, records=600, page_size=200),
        ["between_pages:2", "mid_page:2:17", ("between_pages:1@1", "mid_page:3:10@2")],
    ),
    "02-global-variables": lambda: checks.module("02").suite,
    "03-resumable-jobs": _m03,
    "04-asset-watermarks": lambda: replace(
        checks.module("04").suite,
        scenarios=(
            Scenario(plan("while_running")),
            Scenario(plan("before_commit")),
            Scenario(plan("after_commit")),
            Scenario(plan("after_commit@1", "job_done@2"), run=4),
        ),
    ),
    "05-mapped-and-operations": lambda: Suite.of(
        WorldConfig(seed=11, records=600, page_size=150, fetch_budget=100),
        ["between_pages:2", ("mid_page:2:40@1", "between_pages:3@2")],
    ),
}


@dataclass(frozen=True)
class Case:
    path: Path
    expect: str
    kind: str
    symptom: str

    @property
    def id(self) -> str:
        return self.path.stem


def cases(module: str) -> list[Case]:
    out = []
    for path in sorted((CORPUS / module).glob("*.py")):
        head = dict(re.findall(r"^# (expect|class|symptom|why): (.*)$", path.read_text(), re.M))
        out.append(Case(path, head["expect"].strip(), head["class"].strip(), head.get("symptom", "").strip()))
    return out


def judge(grader, module: str, case: Case) -> None:
    """Grade ``case`` with the module's attack suite; fail the test unless the verdict is the expected one."""
    assert case.expect in ("pass", "fail") and case.kind in CLASSES, f"{case.path.name}: bad header"
    verdict = grading.grade(grader, module, case.path, suite=ATTACK[module]())
    symptoms = [r.symptom for r in verdict.results if not r.passed]
    if case.expect == "pass":
        assert verdict.passed, f"{case.path.name} ({case.kind}) must pass:\n{verdict.summary()}"
        return
    assert not verdict.passed, f"{case.path.name} ({case.kind}) must fail, but passed"
    if case.symptom:
        assert any(case.symptom.lower() in s.lower() for s in symptoms), (
            f"{case.path.name}: no symptom mentions {case.symptom!r}:\n{verdict.summary()}"
        )
