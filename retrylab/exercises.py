"""The notebook face of the graders: ``ex.check()``, ``ex.hint()``, ``ex.grade(...)``.

Why a thin layer: a self-check must never raise into the learner's notebook
(it prints what broke and how to get a hint), while an nbgrader test cell must
raise ``AssertionError`` with the symptom, which nbgrader shows as feedback.
The verdict itself comes from the grader process (``retrylab.grader``), which
never imports the learner's code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from retrylab import checks, grader, progress, verdicts
from retrylab.checks import evidence
from retrylab.checks.equivalence import Scenario
from retrylab.checks.module import ModuleSpec, Suite
from retrylab.checks.results import Verdict
from retrylab.world.state import WorldConfig


def print_hint(verdict: Verdict, hints: dict[str, tuple[str, ...]], given: dict[str, int], level: int | None) -> None:
    """The next hint (or hint ``level``) for the first failing check; ``given`` remembers the levels shown."""
    failing = [r for r in verdict.results if not r.passed]
    if not failing:
        print("Every check passes; no hint needed.")
        return
    first = failing[0]
    name = evidence.NAME if first.counts.get("crash_not_seen") else first.check
    texts = hints.get(name) or ("Read the symptom above: it says what the run did.",)
    if level is None:
        level = given.get(name, 0) + 1
    level = max(1, min(level, len(texts)))
    given[name] = level
    print(f"Hint {level}/{len(texts)} for '{name}': {texts[level - 1]}")


class Exercise:
    def __init__(self, sandbox_root: Path, module: str, dag_file: str | Path) -> None:
        self.spec: ModuleSpec = checks.module(module)
        self.dag_file = Path(dag_file)
        self.sandbox_root = Path(sandbox_root)
        self._hint_level: dict[str, int] = {}
        self.last: Verdict | None = None
        self._verdicts: dict[tuple, Verdict] = {}

    def _grade(self, *, suite: Suite | None = None, hidden: bool = False, progress_dots: bool = False) -> Verdict:
        """The verdict for the file as it is now (a graded file's verdict is reused until it changes)."""
        key = (tuple(verdicts.dag_text(self.dag_file)), suite, hidden)
        if key not in self._verdicts:
            self._verdicts[key] = grader.for_sandbox(self.sandbox_root).grade(
                self.spec.id, self.dag_file, suite=suite, hidden=hidden, progress=progress_dots
            )
        return self._verdicts[key]

    def check(self) -> None:
        """Run the module's crash matrix on your DAG file and say what broke (result in ``ex.last``)."""
        try:
            verdict = self._grade(progress_dots=True)
        except Exception as exc:  # the self-check must explain, never crash the notebook
            print(f"The check could not run: {type(exc).__name__}: {exc}")
            return
        self.last = verdict
        progress.record(
            self.sandbox_root,
            self.spec.id,
            verdict.passed,
            list(dict.fromkeys(r.check for r in verdict.results if not r.passed)),
        )
        scenarios = len(self.spec.suite.scenarios)
        if verdict.passed and self.spec.static:
            print(f"All checks pass: {', '.join(self.spec.names)}.")
        elif verdict.passed:
            print(f"All checks pass: the clean run and {scenarios} crash scenarios end in the same state.")
        else:
            print(verdict.summary())
            print("\nStuck? `ex.hint()` gives a hint for the first failing check; call it again for a stronger one.")

    def hint(self, level: int | None = None) -> None:
        """Print a hint for the first failing check (each call goes one level deeper)."""
        print_hint(self.last or self._grade(), self.spec.hints, self._hint_level, level)

    def grade(
        self,
        check: str,
        *,
        hidden: bool = False,
        world: WorldConfig | None = None,
        crashes: Sequence[str | Sequence[str]] | None = None,
        kill: bool = False,
        scenarios: Sequence[Scenario] | None = None,
    ) -> None:
        """For test cells: raise AssertionError with the symptoms unless ``check`` passes.

        ``hidden=True`` runs the module's hidden suites (another seed, page
        size, job durations and crash set; reported without their parameters).
        ``world`` and ``crashes`` replace the public suite; ``kill=True`` makes
        the crashes real worker kills; ``scenarios`` gives whole scenarios.
        """
        self.spec.check(check)  # a name the module does not have raises: a typo never passes
        suite = None
        if scenarios is not None:
            suite = replace(self.spec.suite, world=world or self.spec.suite.world, scenarios=tuple(scenarios))
        elif crashes is not None:
            suite = replace(Suite.of(world or self.spec.suite.world, crashes, kill=kill), fresh_variables=self.spec.suite.fresh_variables)
        elif world is not None:
            suite = replace(self.spec.suite, world=world)
        hints = self.spec.check(check).hints
        self._grade(suite=suite, hidden=hidden).assert_passed(check, hint=hints[0] if hints else "")


class OperationsExercise:
    """Module 05's operations exercise: the same ``check``/``hint``/``grade`` faces, for code instead of a DAG."""

    def __init__(self, lab, clear_all_map_indices, settings) -> None:
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
        hints = self.hints.get(check, ())
        self._verdict([check]).assert_passed(check, hint=hints[0] if hints else "")
