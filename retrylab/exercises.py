"""The notebook face of the graders: ``ex.check()``, ``ex.hint()``, ``ex.grade(...)``.

Why a thin layer: a self-check must never raise into the learner's notebook
(it prints what broke and how to get a hint), while an nbgrader test cell must
raise ``AssertionError`` with the symptom, which nbgrader shows as feedback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from retrylab import checks, progress
from retrylab.checks.equivalence import Scenario
from retrylab.checks.module import ModuleSpec, Suite
from retrylab.checks.results import Verdict
from retrylab.runs import Lab
from retrylab.world.state import WorldConfig


def print_hint(verdict: Verdict, hints: dict[str, tuple[str, ...]], given: dict[str, int], level: int | None) -> None:
    """The next hint (or hint ``level``) for the first failing check; ``given`` remembers the levels shown."""
    failing = [r.check for r in verdict.results if not r.passed]
    if not failing:
        print("Every check passes; no hint needed.")
        return
    name = failing[0]
    texts = hints.get(name) or ("Read the symptom above: it says what the run did.",)
    if level is None:
        level = given.get(name, 0) + 1
    level = max(1, min(level, len(texts)))
    given[name] = level
    print(f"Hint {level}/{len(texts)} for '{name}': {texts[level - 1]}")


class Exercise:
    def __init__(self, lab: Lab, module: str, dag_file: str | Path) -> None:
        self.lab = lab
        self.spec: ModuleSpec = checks.module(module)
        self.dag_file = Path(dag_file)
        self._hint_level: dict[str, int] = {}
        self.last: Verdict | None = None

    def check(self) -> None:
        """Run the module's crash matrix on your DAG file and say what broke (result in ``ex.last``)."""
        try:
            verdict = self.spec.grade(self.lab, self.dag_file, progress=True)
        except Exception as exc:  # the self-check must explain, never crash the notebook
            print(f"The check could not run: {type(exc).__name__}: {exc}")
            return
        self.last = verdict
        progress.record(
            self.lab.box.root,
            self.spec.id,
            verdict.passed,
            list(dict.fromkeys(r.check for r in verdict.results if not r.passed)),
        )
        scenarios = len(self.spec.suite.scenarios)
        if verdict.passed:
            print(f"All checks pass: the clean run and {scenarios} crash scenarios end in the same state.")
        else:
            print(verdict.summary())
            print("\nStuck? `ex.hint()` gives a hint for the first failing check; call it again for a stronger one.")

    def hint(self, level: int | None = None) -> None:
        """Print a hint for the first failing check (each call goes one level deeper)."""
        print_hint(self.last or self.spec.grade(self.lab, self.dag_file), self.spec.hints, self._hint_level, level)

    def grade(
        self,
        check: str,
        *,
        world: WorldConfig | None = None,
        crashes: Sequence[str | Sequence[str]] | None = None,
        kill: bool = False,
        scenarios: Sequence[Scenario] | None = None,
    ) -> None:
        """For test cells: raise AssertionError with the symptoms unless ``check`` passes.

        ``world`` and ``crashes`` replace the public suite (hidden tests use
        another seed, page size, job durations and crash set); ``kill=True``
        makes the crashes real worker kills; ``scenarios`` gives whole scenarios
        (each with its own world, for module 02's environments).
        """
        suite = None
        if scenarios is not None:
            suite = replace(self.spec.suite, world=world or self.spec.suite.world, scenarios=tuple(scenarios))
        elif crashes is not None:
            suite = replace(Suite.of(world or self.spec.suite.world, crashes, kill=kill), fresh_variables=self.spec.suite.fresh_variables)
        elif world is not None:
            suite = replace(self.spec.suite, world=world)
        verdict = self.spec.grade(self.lab, self.dag_file, suite=suite, only=[check])
        verdict.assert_passed(check)


class OperationsExercise:
    """Module 05's operations exercise: the same ``check``/``hint``/``grade`` faces, for code instead of a DAG."""

    def __init__(self, lab: Lab, clear_all_map_indices, settings) -> None:
        from retrylab.checks import m05_mapped_operations as m05

        self.lab = lab
        self.checks = {
            "clears every map index": lambda: m05.check_reset(lab, clear_all_map_indices),
            "settings do what the team asked": lambda: m05.check_settings(lab, settings),
        }
        self.hints = m05.OPERATIONS_HINTS
        self._hint_level: dict[str, int] = {}
        self.last: Verdict | None = None

    def _verdict(self, only: Sequence[str] = ()) -> Verdict:
        results = [r for name, run in self.checks.items() if not only or name in only for r in run()]
        return Verdict("05-mapped-and-operations", "operations", results)

    def check(self) -> None:
        """Run both checks against real runs and the API server; say what broke."""
        try:
            self.last = self._verdict()
        except Exception as exc:  # the self-check must explain, never crash the notebook
            print(f"The check could not run: {type(exc).__name__}: {exc}")
            return
        print("Both operations checks pass." if self.last.passed else self.last.summary())
        if not self.last.passed:
            print("\nStuck? `ops.hint()` gives a hint for the first failing check; call it again for a stronger one.")

    def hint(self, level: int | None = None) -> None:
        """Print a hint for the first failing check (each call goes one level deeper)."""
        print_hint(self.last or self._verdict(), self.hints, self._hint_level, level)

    def grade(self, check: str) -> None:
        """For test cells: raise AssertionError with the symptom unless ``check`` passes."""
        if check not in self.checks:
            raise ValueError(f"No operations check {check!r}; there are {list(self.checks)}.")
        self._verdict([check]).assert_passed(check)
