"""What a module's grader is made of: the DAG it expects, the suites, the checks, the hints."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from retrylab.checks import equivalence
from retrylab.checks.equivalence import Matrix, Scenario
from retrylab.checks.results import CheckResult, Verdict
from retrylab.runs import Lab
from retrylab.world.state import WorldConfig

Evaluator = Callable[[Matrix], list[CheckResult]]


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


@dataclass(frozen=True)
class ModuleSpec:
    id: str
    title: str
    dag_id: str
    task_id: str
    suite: Suite
    checks: dict[str, Evaluator]
    hints: dict[str, tuple[str, ...]] = field(default_factory=dict)
    run: equivalence.RunScenario = equivalence.run_once  # how one scenario runs

    def grade(
        self,
        lab: Lab,
        dag_file: str | Path,
        *,
        suite: Suite | None = None,
        only: Sequence[str] = (),
        progress: bool = False,
    ) -> Verdict:
        """Run the suite once and evaluate the checks (all, or those named in ``only``)."""
        suite = suite or self.suite
        names = [n for n in self.checks if not only or n in only]
        unknown = set(only) - set(self.checks)
        if unknown:
            raise ValueError(f"{self.id} has no check named {sorted(unknown)}; it has {list(self.checks)}.")
        matrix = equivalence.run_matrix(
            lab,
            dag_file,
            self.dag_id,
            suite.world,
            suite.scenarios,
            progress=progress,
            before=lab.clear_variables if suite.fresh_variables else None,
            run=self.run,
        )
        if not matrix.error and matrix.clean is not None:
            tasks = {t.task_id for t in matrix.clean.tries}
            if self.task_id not in tasks:
                matrix.error = (
                    f"The DAG {self.dag_id!r} has no task {self.task_id!r} (its tasks: {sorted(tasks)}). "
                    "Keep the task name the exercise gives."
                )
        if matrix.error:
            results = equivalence.dag_error_results(names, matrix.error)
        else:
            results = [r for name in names for r in self.checks[name](matrix)]
        return Verdict(self.id, str(dag_file), results)
