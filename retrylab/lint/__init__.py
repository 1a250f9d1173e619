"""`retrylab lint`: find state that does not survive a retry, by reading DAG files (never importing them)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from retrylab.lint import checks
from retrylab.lint.facts import FileFacts
from retrylab.lint.rules import RULES, Rule

__all__ = ["RULES", "Finding", "Rule", "lint_paths", "lint_source"]

IGNORE = re.compile(r"#\s*retrylab:\s*ignore(?:\[(?P<ids>[A-Z0-9,\s]+)\])?(?P<why>.*)", re.IGNORECASE)
SKIP_DIRS = {".git", ".venv", "venv", "__pycache__", "node_modules", ".sandbox", ".tox", ".ipynb_checkpoints"}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    column: int
    rule: str

    @property
    def about(self) -> Rule:
        return RULES[self.rule]

    def to_dict(self) -> dict:
        rule = self.about
        return asdict(self) | {"name": rule.name, "severity": rule.severity, "message": rule.message,
                               "fix": rule.fix, "module": rule.module}


def lint_source(source: str, path: str = "<string>") -> list[Finding]:
    """Findings for one file's text, minus those its `# retrylab: ignore[RULE]` comments silence.

    A file that does not parse gets one finding, RS000, at the error.
    """
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        return [Finding(path, exc.lineno or 1, (exc.offset or 1) - 1, "RS000")]
    lines = source.splitlines()
    found = set()
    for rule, node in checks.run(FileFacts(tree)):
        first = getattr(node, "lineno", 1)
        last = getattr(node, "end_lineno", first) or first
        if not _ignored(lines, first, last, rule):
            found.add(Finding(path, first, getattr(node, "col_offset", 0), rule))
    return sorted(found, key=lambda f: (f.line, f.column, f.rule))


def _ignored(lines: list[str], first: int, last: int, rule: str) -> bool:
    for text in lines[first - 1:last]:
        match = IGNORE.search(text)
        if match and (match["ids"] is None or rule in {i.strip().upper() for i in match["ids"].split(",")}):
            return True
    return False


def python_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The .py files under each path (a file is taken as given), in a stable order."""
    for path in map(Path, paths):
        if path.is_dir():
            for file in sorted(path.rglob("*.py")):
                if not SKIP_DIRS & set(file.relative_to(path).parts[:-1]):
                    yield file
        else:
            yield path


def lint_paths(paths: Iterable[str | Path]) -> list[Finding]:
    findings: list[Finding] = []
    for file in python_files(paths):
        findings.extend(lint_source(file.read_text(encoding="utf-8", errors="replace"), str(file)))
    return findings
