"""What a check says: pass or fail, the symptom in words, the counts, levelled hints.

Why symptoms and not scores: "records 7501-7900 loaded twice after a crash at
between_pages:3 on try 1" tells a learner what their code did; a bare 0 does
not. No message here ever contains the answer's code.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


class CheckFailed(AssertionError):
    """A graded check failed. In a notebook it shows as its message, not a traceback through the grader."""

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]


@dataclass(frozen=True)
class CheckResult:
    check: str
    crash: str
    passed: bool
    symptom: str = ""
    counts: dict = field(default_factory=dict)

    def line(self) -> str:
        mark = "PASS" if self.passed else "FAIL"
        where = f" [{self.crash}]" if self.crash else ""
        return f"{mark} {self.check}{where}" + (f": {self.symptom}" if self.symptom else "")


@dataclass
class Verdict:
    """All results of checking one DAG file for one module."""

    module: str
    dag_file: str
    results: list[CheckResult]

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.passed for r in self.results)

    def failed(self, check: str | None = None) -> list[CheckResult]:
        return [r for r in self.results if not r.passed and (check is None or r.check == check)]

    def of(self, check: str) -> list[CheckResult]:
        return [r for r in self.results if r.check == check]

    def summary(self, limit: int = 4) -> str:
        symptoms = {r.symptom for r in self.results}
        if self.results and not any(r.passed for r in self.results) and len(symptoms) == 1:
            # The DAG could not be checked at all: say why once, not once per check.
            return f"FAIL every check ({', '.join(dict.fromkeys(r.check for r in self.results))}):\n    - {symptoms.pop()}"
        names = list(dict.fromkeys(r.check for r in self.results))
        lines = []
        for name in names:
            results = self.of(name)
            bad = [r for r in results if not r.passed]
            counted = "" if all(not r.crash for r in results) else f": {len(results) - len(bad)} of {len(results)} scenarios passed"
            lines.append(f"{'PASS' if not bad else 'FAIL'} {name}{counted}")  # a check of files alone has no scenarios
            lines += [f"    - {r.symptom}" for r in bad[:limit]]
            if len(bad) > limit:
                lines.append(f"    - ... and {len(bad) - limit} more scenarios with the same check failing")
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(
            {
                "module": self.module,
                "dag_file": self.dag_file,
                "passed": self.passed,
                "checks": [asdict(r) for r in self.results],
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, data: dict) -> Verdict:
        return cls(data["module"], data["dag_file"], [CheckResult(**r) for r in data["checks"]])

    def assert_passed(self, check: str | None = None, hint: str = "") -> None:
        """Raise AssertionError naming the symptoms (what nbgrader shows as feedback), and the check's
        first hint so the failing cell itself says where to look (`ex.hint()` gives the next ones).

        A check that produced no result at all fails too: a verdict is never a pass by absence.
        """
        bad = self.failed(check)
        if bad or not self.results or (check is not None and not self.of(check)):
            shown = "\n".join(f"- {r.symptom}" for r in bad[:4])
            more = f"\n- ... and {len(bad) - 4} more" if len(bad) > 4 else ""
            tip = f"\nHint: {hint} (more: ex.hint())" if hint else ""
            raise CheckFailed(f"{check or 'checks'} failed:\n{shown}{more}{tip}")
