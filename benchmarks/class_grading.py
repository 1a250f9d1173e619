"""The class grader (``make grade-class``) against nbgrader's own sequential autograde: issue 13's benchmark.

1. A class: ``--learners`` learners in each module, their notebooks a mix of four kinds in turn (solved, partial:
   the last answer left as released, untouched, broken: a syntax error in the first answer).
2. nbgrader's own ``autograde``, one submission after another (no zygote: every process starts cold), of one
   submission of each kind per module, twice: as nbgrader comes (every cell of the notebook runs) and with the
   course's grading slice (``--GradingSlice.enabled``, what the class grader runs): seconds per submission.
   The class's sequential time is extrapolated from these (every learner of a kind hands in the same
   notebook), and said to be. These gradings are also the reference scores (both ways must agree).
3. The class grader on the whole class (LocalExecutor, ``--workers`` at once): wall time, peak memory (the
   RSS of every process it started, sampled each second), and every score checked against its kind's.
4. ``--celery``: the first module's submissions on Celery with one worker, then two (the same slots per worker).

Run: ``.venv/bin/python benchmarks/class_grading.py [--learners 30] [--modules 00 01 ...] [--workers N] [--celery]``
Prints a Markdown table for README.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from retrylab import manifest  # noqa: E402
from retrylab.class_grading.run import default_workers, grade_class  # noqa: E402
from tests import nbgrader_course as nbc  # noqa: E402 - the round-trip tests' own nbgrader driver
from tests.course_files import fresh_copy  # noqa: E402

KINDS = {"solved": nbc.solved, "partial": nbc.partial, "untouched": nbc.untouched, "broken": nbc.broken}


class PeakMemory:
    """The largest sum of RSS over this process's descendants, sampled every second."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(1.0):
            total = 0
            for proc in psutil.Process().children(recursive=True):
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def kind_of(learner: int) -> str:
    return list(KINDS)[learner % len(KINDS)]


def sequential_sample(module: str, sliced: bool) -> dict:
    """nbgrader autograde, one student of each kind after another: seconds per submission and the scores."""
    extra = () if sliced else ("--GradingSlice.enabled=False",)
    with tempfile.TemporaryDirectory(prefix="retrylab-bench-class-") as tmp:
        started = time.monotonic()
        graded = nbc.grade(Path(tmp), module, KINDS, extra=extra, warm=False)  # every process cold
        seconds = time.monotonic() - started
    return {"per_submission": seconds / len(KINDS), "scores": {kind: graded.total(kind) for kind in KINDS}}


def hand_in(course: Path, modules: list[str], learners: int) -> int:
    count = 0
    for module in modules:
        released = nbformat.read(course / "notebooks" / module / f"{module}.ipynb", as_version=4)
        answers = nbc.solutions_by_id(module)
        for n in range(learners):
            copy = nbformat.from_dict(released)
            KINDS[kind_of(n)](copy, answers)
            folder = course / "grading" / "submitted" / f"learner{n:02d}" / module
            folder.mkdir(parents=True)
            nbformat.write(copy, folder / f"{module}.ipynb")
            count += 1
    return count


def class_run(modules: list[str], learners: int, workers: int, celery_workers: int = 0) -> dict:
    with tempfile.TemporaryDirectory(prefix="retrylab-bench-class-") as tmp:
        course = fresh_copy(Path(tmp))
        count = hand_in(course, modules, learners)
        out = io.StringIO()
        with PeakMemory() as memory:
            outcome = grade_class(course, workers=workers, celery_workers=celery_workers, out=out)
        if outcome.failed or outcome.state != "success":
            raise SystemExit(f"the class grading failed:\n{out.getvalue()}")
        scores = {label: score for label, score in outcome.scores.items()}
    return {"seconds": outcome.seconds, "count": count, "peak_mb": memory.peak / 2**20, "scores": scores}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--modules", nargs="*", default=[m.id[:2] for m in manifest.modules()])
    parser.add_argument("--workers", type=int, default=default_workers(), help="default: as `make grade-class`")
    parser.add_argument("--celery", action="store_true")
    args = parser.parse_args()
    modules = [m.id for m in manifest.modules() if m.id[:2] in args.modules or m.id in args.modules]

    sliced, plain = {}, {}
    for module in modules:
        plain[module] = sequential_sample(module, sliced=False)
        sliced[module] = sequential_sample(module, sliced=True)
        if plain[module]["scores"] != sliced[module]["scores"]:
            raise SystemExit(f"{module}: the slice changed a score: {plain[module]['scores']} -> {sliced[module]['scores']}")
        print(f"{module}: nbgrader alone {plain[module]['per_submission']:.1f} s a submission, with the slice "
              f"{sliced[module]['per_submission']:.1f} s (scores {sliced[module]['scores']})", flush=True)

    print(f"Grading {args.learners} learners x {len(modules)} modules on {args.workers} workers ...", flush=True)
    run = class_run(modules, args.learners, args.workers)
    wrong = [
        label for label, score in run["scores"].items()
        if score != sliced[label.split("/")[1]]["scores"][kind_of(int(label.split("/")[0][-2:]))]
    ]
    sequential = {name: sum(s[m]["per_submission"] for m in modules) * args.learners for name, s in (("plain", plain), ("sliced", sliced))}
    print()
    print("| module | nbgrader, one after another (s a submission, measured) | the same with the grading slice |")
    print("|---|---|---|")
    for module in modules:
        print(f"| {module} | {plain[module]['per_submission']:.1f} | {sliced[module]['per_submission']:.1f} |")
    print(f"\n| {run['count']} submissions ({args.learners} learners x {len(modules)} modules) | wall time | peak memory |")
    print("|---|---|---|")
    print(f"| nbgrader autograde, one after another (extrapolated from the sample above) | {sequential['plain'] / 60:.1f} min | one kernel |")
    print(f"| the same with the grading slice (extrapolated) | {sequential['sliced'] / 60:.1f} min | one kernel |")
    print(f"| `make grade-class` ({args.workers} at once, LocalExecutor, measured) | {run['seconds'] / 60:.1f} min "
          f"({sequential['plain'] / run['seconds']:.1f}x) | {run['peak_mb']:.0f} MB |")
    print(f"\nscores: {run['count'] - len(wrong)} of {run['count']} equal nbgrader's for the same notebook"
          + (f"; different: {', '.join(wrong)}" if wrong else ""))

    if args.celery:
        first = modules[:1]
        one = class_run(first, args.learners, args.workers // 2 or 1, celery_workers=1)
        two = class_run(first, args.learners, 2 * (args.workers // 2 or 1), celery_workers=2)
        print(f"\nCelery, {first[0]} x {args.learners}: one worker {one['seconds'] / 60:.1f} min, two workers "
              f"{two['seconds'] / 60:.1f} min ({one['seconds'] / two['seconds']:.2f}x)")


if __name__ == "__main__":
    main()
