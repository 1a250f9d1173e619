"""A verdict computed once per test run: the same DAG text, module and suite graded again gets the first answer.

Why: ``make test`` grades the same solution many times over (the notebook under
nbval, its nbgrader round trip, the class grader, the slice proof, the module's
checker tests), every time in fresh processes that replay the same seeded crash
matrix. Grading is deterministic, so the second answer can only repeat the first.
Only where ``RETRYLAB_VERDICTS`` names a folder (the test run's own, made by
``tests/conftest.py`` and removed after it): a learner's kernel, ``make
autograde`` and ``make grade-class`` always grade for real.

The key is everything a verdict depends on: the module, the suite, hidden or
not, ``only``, ``fail_fast``, the file's name and text (trailing white space
aside; every ``.py`` of a repository folder), the Airflow release and the text
of ``retrylab`` itself.
A process that finds another grading the same key waits for its answer
instead of grading it a second time.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict
from functools import cache
from importlib import metadata
from pathlib import Path

from retrylab.checks.results import CheckResult

ENV = "RETRYLAB_VERDICTS"
Progress = Callable[[str], None]


def dag_text(path: Path) -> list[tuple[str, bytes | None]]:
    """What a verdict on ``path`` depends on: its name and text (None: no such file), or every Python file's in a
    folder. The name is part of it: a symptom may name the file by it ("fix.py has a syntax error")."""
    path = Path(path)
    files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
    out = []
    for file in files:
        try:
            out.append((str(file.relative_to(path)) if path.is_dir() else file.name, file.read_bytes().rstrip()))
        except (FileNotFoundError, IsADirectoryError):
            out.append((file.name, None))
    return out


@cache
def _code_version() -> str:
    digest = hashlib.sha256(metadata.version("apache-airflow").encode())  # not `import airflow`: it makes ~/airflow
    for file in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(file.read_bytes())
    return digest.hexdigest()


def key(module: str, dag_file: Path, request: dict) -> str:
    digest = hashlib.sha256(json.dumps([module, request, _code_version()], sort_keys=True).encode())
    for name, data in dag_text(dag_file):
        digest.update(name.encode() + b"\0" + (b"missing" if data is None else hashlib.sha256(data).digest()))
    return digest.hexdigest()


def reuse(
    key: str, compute: Callable[[Progress], list[CheckResult]], progress: Progress | None
) -> list[CheckResult]:
    """``compute(progress)``'s results, or the ones it gave for ``key`` earlier in this run (progress replayed)."""
    folder = os.environ.get(ENV)
    if not folder:
        return compute(progress or (lambda _text: None))
    answer = Path(folder) / f"{key}.json"
    answer.parent.mkdir(parents=True, exist_ok=True)
    with open(answer.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process grading this key: wait for its answer
        if answer.exists():
            saved = json.loads(answer.read_text())
            for text in saved["progress"]:
                progress and progress(text)
            return [CheckResult(**r) for r in saved["results"]]
        shown: list[str] = []

        def record(text: str) -> None:
            shown.append(text)
            progress and progress(text)

        results = compute(record)
        partial = answer.with_suffix(".partial")
        partial.write_text(json.dumps({"progress": shown, "results": [asdict(r) for r in results]}))
        partial.replace(answer)
        return results
