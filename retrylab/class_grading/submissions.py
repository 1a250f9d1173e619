"""What there is to grade: nbgrader's ``submitted/<student>/<module>/`` folders of a course."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from retrylab import manifest


@dataclass(frozen=True, order=True)
class Submission:
    student: str
    module: str

    @property
    def label(self) -> str:
        return f"{self.student}/{self.module}"

    def to_json(self) -> dict[str, str]:
        return {"student": self.student, "module": self.module}


def find(submitted: Path, modules: list[str] | None = None) -> list[Submission]:
    """Every submission under ``submitted`` (of ``modules`` only, if given), the slowest modules first.

    Slowest first: with a few grading slots, a long notebook started last would leave the others idle."""
    seconds = {m.id: m.seconds for m in manifest.modules()}
    wanted = set(modules) if modules else set(seconds)
    found = [
        Submission(student.name, folder.name)
        for student in sorted(submitted.iterdir()) if student.is_dir()
        for folder in sorted(student.iterdir())
        if folder.is_dir() and folder.name in wanted and any(folder.glob("*.ipynb"))
    ] if submitted.is_dir() else []
    return sorted(found, key=lambda s: (-seconds.get(s.module, 0), s))
