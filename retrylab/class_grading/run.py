"""``make grade-class``: start a grading deployment, grade every submission, follow it, stop everything.

The deployment is the course's own (``retrylab.stack.Deployment``: API server, scheduler, DAG processor,
LocalExecutor) in a sandbox under ``grading/class-grading/``, with as many grading slots as ``workers``. The
run's id is kept in ``run.json`` there: if grading stops before the run ends (Ctrl-C, a crash, a reboot),
the next call with the same submissions starts the same deployment on the same database and follows the
same run, whose finished submissions stay finished.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from retrylab import sandbox
from retrylab.class_grading import DAG_ID
from retrylab.class_grading.broker import Redis
from retrylab.class_grading.deployment import CeleryGradingDeployment, GradingDeployment
from retrylab.class_grading.submission import COURSE_ID, gradebook
from retrylab.class_grading.submissions import Submission, find
from retrylab.errors import LabError
from retrylab.tries import zygote

FINISHED = ("success", "failed")
# One grading slot's share of memory at its peak (a kernel, a grader, its try runner, nbgrader; the deployment
# and the zygote spread over the slots): 30 learners x modules 00-05 on 4 slots peaked at 7.4 GB.
SLOT_MEMORY = 2 * 2**30
NOT_GRADED = ("failed", "upstream_failed", "skipped", "removed")


@dataclass
class Outcome:
    run_id: str
    state: str
    scores: dict[str, float | None]  # "student/module" -> score in the class's gradebook (None: not graded)
    seconds: float
    resumed: bool = False
    failed: list[str] = field(default_factory=list)


def default_workers() -> int:
    """Two gradings per core, as many as the free memory holds. Two per core because gradings of modules 02 and 03
    spend two thirds of their time waiting on batch jobs: 8 learners x 02 and 03 took 141 s on 2 slots, 110 s on 4
    (a 2-core machine); 30 learners x 00-05 17.7 min on 4."""
    import psutil

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(2 * cores, psutil.virtual_memory().available // SLOT_MEMORY))


def work_folder(root: Path) -> Path:
    return root / "grading" / "class-grading"


def grade_class(
    root: Path,
    modules: list[str] | None = None,
    *,
    workers: int = 2,
    celery_workers: int = 0,
    out: TextIO = sys.stdout,
    env: dict[str, str] | None = None,
) -> Outcome:
    """Grade every submission in ``root``'s grading/submitted/ (of ``modules``), resuming an unfinished run:
    ``workers`` at once, on LocalExecutor, or on CeleryExecutor with ``celery_workers`` workers sharing them."""
    from retrylab.workshop import _ensure_in_gradebook

    started = time.monotonic()
    subs = find(root / "grading" / "submitted", modules)
    if not subs:
        raise SystemExit("Nothing to grade: no notebooks in grading/submitted/<student>/<module>/ (`make collect` puts them there).")
    if celery_workers:
        Redis.binary()  # no Redis, no Celery: say so before starting anything
    _ensure_in_gradebook(sorted({s.module for s in subs}), root)
    work = work_folder(root)
    box_root = work / "sandbox"
    conf = {"course": str(root), "work": str(work), "submissions": [s.to_json() for s in subs]}
    previous = _read_json(work / "run.json")
    resume = previous.get("conf") == conf and previous.get("state") not in FINISHED and (box_root / "airflow" / "airflow.db").exists()
    if resume:
        box = sandbox.Sandbox(root=box_root, dags=box_root / "dags")
    else:
        if previous.get("state") == "running":
            print("The unfinished grading in grading/class-grading/ was of other submissions: starting over.", file=out)
        shutil.rmtree(work, ignore_errors=True)
        box = sandbox.create(box_root)
        shutil.copy(Path(__file__).with_name("dag.py"), box.dags / f"{DAG_ID}.py")
    if celery_workers:
        stack: GradingDeployment = CeleryGradingDeployment(box, workers, celery_workers, env)
        where = f"{workers} at once on {celery_workers} Celery workers, Redis on 127.0.0.1"
    else:
        stack, where = GradingDeployment(box, workers, env), f"{workers} at once, LocalExecutor"
    warm = zygote.Zygote(work / "zygote.log")  # graders forked warm; the deployment's workers inherit its socket
    try:
        print(f"Starting the grading deployment ({where}; its log: {stack.log_file}) ...", file=out, flush=True)
        warm.start()
        stack.start()
        if resume:
            run_id = previous["run_id"]
            print(f"Resuming {run_id}: what it finished stays finished.", file=out, flush=True)
        else:
            stack.unpause(DAG_ID)
            run_id = stack.trigger(DAG_ID, conf=conf)
            _write_json(work / "run.json", {"run_id": run_id, "conf": conf, "state": "running"})
        state, failed = follow(stack, run_id, [s.label for s in subs], out)
    finally:
        stack.close()
        warm.stop()
    _write_json(work / "run.json", {"run_id": run_id, "conf": conf, "state": state})
    outcome = Outcome(run_id, state, scores(root, subs), time.monotonic() - started, resumed=resume, failed=failed)
    report(outcome, subs, root, out)
    return outcome


def follow(stack: GradingDeployment, run_id: str, labels: list[str], out: TextIO) -> tuple[str, list[str]]:
    """Print progress (done / total, elapsed, an estimate) until the run ends; returns its state and the
    submissions that could not be graded. ``labels``: the submissions in the order of their map indexes."""
    import httpx

    total = len(labels)
    started, first_done, last_line, last_print = time.monotonic(), None, "", 0.0
    while True:
        try:
            run = stack.rest("GET", f"/dags/{DAG_ID}/dagRuns/{run_id}").json()
            tis = _grading_tis(stack, run_id)
        except httpx.TimeoutException:  # a busy machine: ask again
            continue
        done = [t for t in tis if t["state"] == "success"]
        failed = [labels[t["map_index"]] for t in tis if t["state"] in NOT_GRADED]
        running = [labels[t["map_index"]] for t in tis if t["state"] == "running"]
        first_done = len(done) if first_done is None else first_done
        elapsed = time.monotonic() - started
        rate = (len(done) - first_done) / elapsed if elapsed > 0 else 0
        left = f", about {_duration((total - len(done) - len(failed)) / rate)} left" if rate and len(done) < total else ""
        line = (
            f"[{len(done)}/{total}] graded{f', {len(failed)} failed' if failed else ''} · {_duration(elapsed)}{left}"
            + (f" · grading {', '.join(running)}" if running else "")
        )
        if line.split(" · ")[0] != last_line.split(" · ")[0] or time.monotonic() - last_print > 30:
            print(line, file=out, flush=True)
            last_line, last_print = line, time.monotonic()
        if run.get("state") in FINISHED:
            return run["state"], failed
        if not stack.running:
            raise RuntimeError(f"The grading deployment stopped. See {stack.log_file}.")
        time.sleep(1)


def _grading_tis(stack: GradingDeployment, run_id: str) -> list[dict[str, Any]]:
    """The mapped grading task instances of the run (the API pages its answers at 100)."""
    found: list[dict[str, Any]] = []
    while True:
        reply = stack.rest(
            "GET",
            f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances",
            params={"task_id": "grade", "limit": 100, "offset": len(found), "order_by": "map_index"},
        )
        reply.raise_for_status()
        page = reply.json()["task_instances"]
        found += page
        if len(page) < 100:
            return [t for t in found if t["map_index"] >= 0]


def scores(root: Path, subs: list[Submission]) -> dict[str, float | None]:
    """Each submission's score as the class's gradebook holds it."""
    from nbgrader.api import Gradebook, MissingEntry

    out: dict[str, float | None] = {}
    with Gradebook(f"sqlite:///{gradebook(root)}", COURSE_ID) as gb:
        for sub in subs:
            try:
                out[sub.label] = gb.find_submission(sub.module, sub.student).score
            except MissingEntry:
                out[sub.label] = None
    return out


def report(outcome: Outcome, subs: list[Submission], root: Path, out: TextIO) -> None:
    graded = sum(score is not None for score in outcome.scores.values())
    print(f"\n{graded} of {len(subs)} submissions graded in {_duration(outcome.seconds)} (run {outcome.run_id}: {outcome.state}).", file=out)
    if outcome.failed:
        print(
            f"Not graded: {', '.join(outcome.failed)}. Each task's log is under {work_folder(root) / 'sandbox' / 'airflow' / 'logs'}; "
            "run `make grade-class` again to grade them (and everything else) once more.",
            file=out,
        )
    print("Scores are in grading/gradebook.db (formgrader, `make grades`), feedback in grading/feedback/.", file=out)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from retrylab import course
    from retrylab.workshop import _modules

    parser = argparse.ArgumentParser(prog="make grade-class", description="Grade every submission of the class in parallel, on Airflow.")
    parser.add_argument("module", nargs="?", help="one module (id or number); every module if left out")
    parser.add_argument(
        "--workers", type=int, default=default_workers(), help="gradings at once (default: two per core, as many as memory holds: %(default)s here)"
    )
    parser.add_argument(
        "--celery", type=int, default=0, metavar="N", help="grade on CeleryExecutor with N workers (a local Redis; needs redis-server)"
    )
    parser.add_argument("--course", type=Path, default=course.COURSE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.celery < 0:
        parser.error("--celery takes a number of workers (1 or more), or leave it out for the LocalExecutor")
    modules = _modules(args.module, args.course) if args.module else None
    try:
        outcome = grade_class(args.course.resolve(), modules, workers=args.workers, celery_workers=args.celery)
    except KeyboardInterrupt:
        print("\nStopped; the deployment is down. Run `make grade-class` again to resume: what was graded stays graded.")
        return 130
    except LabError as exc:  # Redis missing, the deployment not starting: say what to do, no traceback
        print(exc, file=sys.stderr)
        return 2
    return 0 if not outcome.failed and outcome.state == "success" else 1
