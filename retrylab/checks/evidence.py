"""Evidence, not absence of symptoms: every planned crash must be seen to happen and to end its try.

Why: a task that wraps each write in ``try/except Exception`` and carries on
survives every injected crash "cleanly", with no retry and no checkpoint at
all, and a check that only looks for duplicates would pass it. The world
service records each crash it fires and every call a try makes after it, and
Airflow records how each try ended, so the grader can tell a crash that ended
its try from one the task swallowed. A scenario without that evidence fails
every check that judged it, with the reason.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from retrylab.checks.results import CheckResult
from retrylab.guards import task_key

NAME = "every crash ends its try"
HINTS = (
    "A planned crash is an exception raised inside your task (or, in kill mode, the death of its process). "
    "Does your code catch every exception and carry on?",
    "Let errors you cannot handle end the try: Airflow then retries the task, and your checkpoint is what makes "
    "the retry safe. Catch only the errors you know how to handle, and re-raise the rest.",
)


def scenario_problem(scenario: Any, report: Any) -> str:
    """Why the crashes planned for ``scenario`` cannot be trusted to have done their work, or ''."""
    runs = getattr(report, "runs", None) or [report]
    first_try = min((f.on_try for f in scenario.faults), default=0)
    for fault in scenario.faults:
        fired = [
            (run, e)
            for run in runs
            for e in run.events
            if e["event"] == "crash" and e["detail"] == fault.point and e["try_number"] == fault.on_try
        ]
        where = f"the crash planned at {fault.point} on try {fault.on_try}"
        if not fired and fault.on_try > first_try:
            # A crash planned for a later try comes only if the task does that work again (a retry that
            # finds its job finished polls no RUNNING job): not firing is evidence only when a crash was swallowed.
            swallowed = _swallowed(runs)
            if swallowed:
                return swallowed
            continue
        if not fired:
            swallowed = _swallowed(runs)
            return swallowed or (
                f"{where} never happened: try {fault.on_try} never reached that point (did the run stop retrying, "
                "or skip the work the crash point sits in?)"
            )
        for run, crash in fired:
            after = [
                e for e in run.events
                if e["event"] == "after_crash" and e["task"] == crash["task"] and e["try_number"] == crash["try_number"]
            ]
            ended = next(
                (t for t in run.tries if task_key(t.task_id, t.map_index) == crash["task"] and t.try_number == crash["try_number"]),
                None,
            )
            if after:
                return f"{where} never ended the try: the task caught it and went on to call {after[0]['detail']}() — does it catch every exception?"
            if ended is not None and ended.state == "success":
                return f"{where} never ended the try: try {fault.on_try} caught it and succeeded — does the task catch every exception?"
    return ""


def _swallowed(runs: list[Any]) -> str:
    for run in runs:
        for e in run.events:
            if e["event"] == "crash":
                try_ = next((t for t in run.tries if task_key(t.task_id, t.map_index) == e["task"] and t.try_number == e["try_number"]), None)
                if try_ is not None and try_.state == "success":
                    return (
                        f"the crash planned at {e['detail']} on try {e['try_number']} never ended the try: try "
                        f"{e['try_number']} caught it and succeeded, so the crashes planned for later tries never came "
                        "— does the task catch every exception?"
                    )
    return ""


def apply(matrix: Any, results: list[CheckResult]) -> list[CheckResult]:
    """Fail every result of a scenario whose crashes did not do their work, naming why."""
    problems = {s.label: scenario_problem(s, r) for s, r in matrix.runs}
    out = []
    for result in results:
        problem = problems.get(result.crash, "")
        if problem and not result.passed and "never happened" in problem:
            problem = ""  # the result already fails for what the run did; that is why the crash never came
        if problem and problem not in result.symptom:
            symptom = problem + (f"; {result.symptom}" if result.symptom else "")
            result = replace(result, passed=False, symptom=symptom, counts={**result.counts, "crash_not_seen": 1})
        out.append(result)
    return out
