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

from retrylab import checks
from retrylab.checks.equivalence import Scenario
from retrylab.checks.module import Suite
from retrylab.faults import plan
from retrylab.world.state import WorldConfig

CORPUS = Path(__file__).parent / "adversarial"
CLASSES = {"right-variant", "slow-but-correct", "process-state", "catches-crash", "cheat", "mistake", "bad-input"}


def _m02() -> Suite:
    from retrylab.checks import m02_global_variables as m02

    prod = replace(m02.GRADED_PROD, records=300, page_size=100)
    staging = replace(m02.GRADED_STAGING, records=150, page_size=100)
    every_try = plan(*(f"while_running@{n}" for n in range(1, 5)))
    return Suite(
        prod,
        (
            Scenario(plan("mid_page:1:50"), prod, "a prod run"),
            Scenario(every_try, prod, m02.DOOMED, name=m02.DOOMED),
            Scenario(plan("between_pages:1"), staging, "a staging run while prod's job still runs"),
        ),
        fresh_variables=True,
    )


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
        WorldConfig(seed=5, records=400, page_size=100),
        ["between_pages:2", "mid_page:2:17", ("between_pages:1@1", "mid_page:3:10@2")],
    ),
    "02-global-variables": _m02,
    "03-resumable-jobs": _m03,
    "04-asset-watermarks": lambda: replace(
        checks.module("04").suite,
        scenarios=(
            Scenario(plan("after_commit")),
            Scenario(plan("before_commit")),
            Scenario(plan("while_running")),
        ),
    ),
    "05-mapped-and-operations": lambda: Suite.of(
        WorldConfig(seed=11, records=400, page_size=100, fetch_budget=100),
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


def judge(grade, module: str, case: Case) -> None:
    """Grade ``case`` with the module's attack suite; fail the test unless the verdict is the expected one."""
    assert case.expect in ("pass", "fail") and case.kind in CLASSES, f"{case.path.name}: bad header"
    # A case that must fail stops at its first failing scenario: the verdict is the question, not every symptom.
    verdict = grade(module, case.path, suite=ATTACK[module](), fail_fast=case.expect == "fail")
    symptoms = [r.symptom for r in verdict.results if not r.passed]
    if case.expect == "pass":
        assert verdict.passed, f"{case.path.name} ({case.kind}) must pass:\n{verdict.summary()}"
        return
    assert not verdict.passed, f"{case.path.name} ({case.kind}) must fail, but passed"
    if case.symptom:
        assert any(case.symptom.lower() in s.lower() for s in symptoms), (
            f"{case.path.name}: no symptom mentions {case.symptom!r}:\n{verdict.summary()}"
        )
