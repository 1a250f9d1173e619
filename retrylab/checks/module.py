"""What a module's grader is made of: the DAG it expects, the suites, and its checks, each declared once.

A ``Check`` holds its name, how it judges the runs and its hints together, so
a name cannot drift between the evaluator, the hints and a test cell; asking
for a check that does not exist raises instead of passing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from retrylab.checks import equivalence, evidence
from retrylab.checks.equivalence import Matrix, Scenario
from retrylab.checks.results import CheckResult, Verdict
from retrylab.diagnosis import DagFileError
from retrylab.world import batch
from retrylab.world.state import WorldConfig

Evaluator = Callable[[Matrix], list[CheckResult]]


@dataclass(frozen=True)
class Check:
    """One graded check: its name, how the matrix is judged, the hints a learner can ask for."""

    name: str
    evaluate: Evaluator
    hints: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suite:
    """A world and the crash scenarios run in it."""

    world: WorldConfig
    scenarios: tuple[Scenario, ...]
    fresh_variables: bool = False  # start from a deployment without Variables (module 02)

    @classmethod
    def of(
        cls,
        world: WorldConfig,
        crashes: Sequence[str | Sequence[str]],
        *,
        kill: bool = False,
        more: Sequence[Scenario] = (),
    ) -> Suite:
        """``crashes`` as exceptions (or, ``kill=True``, real worker kills), then ``more`` as given."""
        return cls(world, tuple(Scenario.of(c, kill=kill) for c in crashes) + tuple(more))

    def with_scenarios(self, scenarios: Sequence[Scenario]) -> Suite:
        return replace(self, scenarios=tuple(scenarios))

    def to_json(self) -> dict[str, Any]:
        return {
            "world": self.world.to_json(),
            "scenarios": [s.to_json() for s in self.scenarios],
            "fresh_variables": self.fresh_variables,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Suite:
        return cls(
            WorldConfig.from_json(data["world"]),
            tuple(Scenario.from_json(s) for s in data["scenarios"]),
            bool(data.get("fresh_variables", False)),
        )


@dataclass(frozen=True)
class ModuleSpec:
    id: str
    title: str
    dag_id: str
    task_id: str
    suite: Suite
    checks: tuple[Check, ...]
    hidden: tuple[Suite, ...] = ()  # run by nbgrader's hidden tests and by `retrylab check`; never printed
    operator_class: str = ""  # a class name the exercise asks the learner to keep
    run: equivalence.RunScenario = equivalence.run_once  # how one scenario runs
    extra_dag_ids: tuple[str, ...] = field(default=())  # other DAGs the file must define (module 04's consumer)
    static: bool = False  # judged from the files alone, with no run (module 06's repository, read by the lint)
    parts: tuple[tuple[str, str], ...] = ()  # (module id, file name): what `retrylab check` grades in a folder

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.checks]

    def check(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise ValueError(f"{self.id} has no check named {name!r}; it has {self.names}.")

    @property
    def hints(self) -> dict[str, tuple[str, ...]]:
        return {c.name: c.hints for c in self.checks} | {evidence.NAME: evidence.HINTS}

    def grade(
        self,
        lab: Any,
        dag_file: str | Path,
        *,
        suite: Suite | None = None,
        only: Sequence[str] = (),
        progress: equivalence.Progress | bool | None = None,
        fail_fast: bool = False,
    ) -> Verdict:
        """Run the suite once in ``lab`` (an ``IsolatedLab``) and evaluate the checks (all, or those in ``only``).

        ``fail_fast`` stops at the first scenario that fails a check (the verdict then covers the scenarios run).
        """
        suite = suite or self.suite
        checks = [self.check(name) for name in only] if only else list(self.checks)
        names = [c.name for c in checks]
        if self.static:
            matrix = Matrix(suite.world, lab=lab, dag_file=Path(dag_file), dag_id=self.dag_id)
            return Verdict(self.id, str(dag_file), self._evaluate(checks, matrix))
        problem = self.wrong_names(lab, dag_file)
        if problem:
            return Verdict(self.id, str(dag_file), equivalence.dag_error_results(names, problem))
        matrix = equivalence.run_matrix(
            lab,
            dag_file,
            self.dag_id,
            suite.world,
            suite.scenarios,
            progress=progress,
            before=lab.clear_variables if suite.fresh_variables else None,
            run=self.run,
            stop=(lambda partial: not all(r.passed for r in self._evaluate(checks, partial))) if fail_fast else None,
        )
        if matrix.error:
            batch.service(lab.world).cancel_active()
            return Verdict(self.id, str(dag_file), equivalence.dag_error_results(names, matrix.error))
        try:
            results = self._evaluate(checks, matrix)
        finally:
            batch.service(lab.world).cancel_active()  # a check leaves no job running in the service
        return Verdict(self.id, str(dag_file), results)

    @staticmethod
    def _evaluate(checks: Sequence[Check], matrix: Matrix) -> list[CheckResult]:
        return evidence.apply(matrix, [replace(r, check=check.name) for check in checks for r in check.evaluate(matrix)])

    def wrong_names(self, lab: Any, dag_file: str | Path) -> str:
        """Why the file cannot be graded at all (a syntax error, a wrong dag_id, task_id or class), before any run."""
        try:
            for dag_id in self.extra_dag_ids:
                lab.tasks(dag_file, dag_id)
            _, tasks = lab.tasks(dag_file, self.dag_id)
        except DagFileError as exc:
            return str(exc)
        except FileNotFoundError:
            return f"There is no DAG file at {dag_file}. Run the cell that writes it first."
        if self.task_id not in tasks:
            return (
                f"The DAG {self.dag_id!r} has no task {self.task_id!r} (its tasks: {sorted(tasks)}). "
                "Keep the task name the exercise gives."
            )
        cls = tasks[self.task_id].cls
        if self.operator_class and tasks[self.task_id].own_class and cls != self.operator_class:
            return (
                f"The task {self.task_id!r} is a {cls}, but the exercise asks for the class {self.operator_class!r}. "
                "Keep the class name the exercise gives."
            )
        return ""
