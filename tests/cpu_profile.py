"""Where ``make test`` spends its CPU: each test's CPU, its processes included (``RETRYLAB_CPU_PROFILE=<file>``).

Why: on two cores the suite's length is its CPU, and ``--durations`` cannot say
whose: four workers share the cores, and a test waiting on another's verdict
looks as long as the one grading it. A test's CPU here is what its worker's
process tree used while it ran: every live process's own time and what it
reaped from children (a grader, a kernel, a try, an Airflow server) before the
test ended. Module-scoped fixtures count in the test that first needed them.
``python -m tests.cpu_profile <file>`` sums the lines per test file.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

import psutil
import pytest

ENV = "RETRYLAB_CPU_PROFILE"


def tree_cpu() -> float:
    """CPU seconds of this process and its live descendants, with what each has reaped from its children."""
    total = 0.0
    me = psutil.Process()
    for proc in [me, *me.children(recursive=True)]:
        try:
            t = proc.cpu_times()
        except psutil.Error:
            continue  # gone meanwhile: its time is its parent's children_* now, or lost with it (not worth more)
        total += t.user + t.system + t.children_user + t.children_system
    return total


class Profile:
    """pytest plugin: one JSON line per test, {"test", "cpu"}, appended to ``path`` (every worker appends)."""

    def __init__(self, path: str) -> None:
        self.path = path

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        start = tree_cpu()
        yield
        line = json.dumps({"test": item.nodeid, "cpu": round(tree_cpu() - start, 2)})
        with open(self.path, "a") as out:
            out.write(line + "\n")


def register(config) -> None:
    if os.environ.get(ENV):
        config.pluginmanager.register(Profile(os.environ[ENV]), "retrylab-cpu-profile")


def main(path: str) -> None:
    by_file: Counter[str] = Counter()
    for line in Path(path).read_text().splitlines():
        entry = json.loads(line)
        by_file[entry["test"].split("::")[0]] += entry["cpu"]
    total = sum(by_file.values())
    for name, cpu in by_file.most_common():
        print(f"{cpu:8.1f} {100 * cpu / total:5.1f}%  {name}")
    print(f"{total:8.1f} CPU-s in all ({total / 60:.1f} CPU-min)")


if __name__ == "__main__":
    main(sys.argv[1])
