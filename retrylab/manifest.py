"""The course's modules as ``course.toml`` declares them: the one place a module is added.

Why a data file: the graders' registry, README's module table, the notebooks'
papermill runs and the test order all need the list, and each kept its own
copy before; a module added in one and not the others went unnoticed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

COURSE = Path(__file__).resolve().parents[1]
MANIFEST = COURSE / "course.toml"


@dataclass(frozen=True)
class Module:
    id: str
    grader: str
    minutes: int
    seconds: int
    breaks: str
    learns: str
    papermill: dict[str, Any] = field(default_factory=dict)

    @property
    def notebook(self) -> str:
        """The learner's notebook, relative to the course folder."""
        return f"notebooks/{self.id}/{self.id}.ipynb"


@cache
def modules(path: Path = MANIFEST) -> tuple[Module, ...]:
    with open(path, "rb") as f:
        declared = tomllib.load(f)["module"]
    return tuple(Module(**m) for m in declared)


def readme_table(mods: tuple[Module, ...] | None = None) -> str:
    """README's module table (``make notebooks`` writes it between its markers)."""
    rows = ["| module | what breaks | what you learn | time |", "|---|---|---|---|"]
    for m in mods or modules():
        rows.append(f"| [{m.id}]({m.notebook}) | {m.breaks} | {m.learns} | {m.minutes} min |")
    return "\n".join(rows)
