"""One way to grade, whoever asks: the grader process behind ``ex.check()``, ``retrylab check``, the tests.

It runs a module's public suite, a suite given as data, or the module's
hidden suites. Hidden scenarios are reported as "hidden scenario N": a
learner (or nbgrader's feedback) learns what broke, never the parameters.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from retrylab import checks, verdicts
from retrylab.checks.equivalence import Progress
from retrylab.checks.module import ModuleSpec, Suite
from retrylab.checks.results import CheckResult, Verdict


def hidden_suites(spec: ModuleSpec) -> list[Suite]:
    """The module's hidden suites, their scenarios renamed so that no label shows a parameter."""
    out, n = [], 0
    for suite in spec.hidden:
        scenarios = []
        for scenario in suite.scenarios:
            n += 1
            scenarios.append(replace(scenario, name=f"hidden scenario {n}"))
        out.append(suite.with_scenarios(scenarios))
    return out


def grade(
    lab: Any,
    module: str,
    dag_file: Path,
    *,
    suite: Suite | dict | None = None,
    hidden: bool = False,
    only: tuple[str, ...] = (),
    progress: Progress | bool | None = None,
    fail_fast: bool = False,
    shown_as: str | None = None,
) -> Verdict:
    """Grade ``dag_file`` for ``module`` in ``lab`` (an ``IsolatedLab``); unknown modules and checks raise.

    Messages name the file as ``shown_as`` (the path the learner gave, ``dags/x.py``), never where it
    lies on the machine that grades: nbgrader's feedback goes to the student."""
    spec = checks.module(module)
    for name in only:
        spec.check(name)  # raises on a name the module does not have
    if isinstance(suite, dict):
        suite = Suite.from_json(suite)
    suites = hidden_suites(spec) if hidden else [suite]
    copy = str(lab.box.dags / Path(dag_file).name)
    resolved = str(Path(dag_file).resolve())

    def run(progress: verdicts.Progress) -> list[CheckResult]:
        results = [r for s in suites for r in spec.grade(lab, dag_file, suite=s, only=only, progress=progress, fail_fast=fail_fast).results]
        return [replace(r, symptom=r.symptom.replace(copy, _FILE).replace(resolved, _FILE)) for r in results]

    request = {"suite": suite.to_json() if suite else None, "hidden": hidden, "only": list(only), "fail_fast": fail_fast}
    results = verdicts.reuse(verdicts.key(spec.id, Path(dag_file), request), run, _writer(progress))
    shown = shown_as or str(dag_file)
    return Verdict(spec.id, shown, [replace(r, symptom=r.symptom.replace(_FILE, shown)) for r in results])


_FILE = "\x00the DAG file\x00"  # where a symptom names the file: the name it is shown as goes in last


def _writer(progress: Progress | bool | None) -> Progress | None:
    """``progress`` as a function (``True``: this process's stdout)."""
    if progress is not True:
        return progress or None

    def write(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    return write
