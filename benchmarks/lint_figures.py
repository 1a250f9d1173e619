"""`retrylab lint`: precision and recall on the labelled corpus, and its speed on 1,000 DAG files.

    python benchmarks/lint_figures.py [--files N]

Precision and recall count (file, rule) pairs (tests/lint_corpus.py says
where each label lives). Speed: N files copied round-robin from the corpus
into one folder, linted by the `retrylab lint` command in a fresh process
(interpreter start included), median of three runs.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COURSE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(COURSE))

from tests.lint_corpus import cases, score  # noqa: E402

ORDER = ["seed", "course anti-patterns", "course solutions and demos", "grader corpus", "realistic", "holdout",
         "Airflow examples", "all"]


def speed(n: int) -> tuple[float, int]:
    sources = cases()
    with tempfile.TemporaryDirectory(prefix="retrylab-lint-bench-") as tmp:
        for i in range(n):
            case = sources[i % len(sources)]
            (Path(tmp) / f"{i:05d}_{case.path.name}").write_text(case.source)
        lines = sum(len(p.read_text().splitlines()) for p in Path(tmp).glob("*.py"))
        times = []
        for _ in range(3):
            started = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "retrylab.cli", "lint", tmp, "--format", "json"],
                                  capture_output=True, text=True)
            times.append(time.perf_counter() - started)
            if proc.returncode not in (0, 1):
                raise SystemExit(proc.stderr)
    return statistics.median(times), lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    scores = score(cases())
    print("\n`retrylab lint` on its labelled corpus ((file, rule) pairs):\n")
    print("| group | files | expected | found right | false positives | missed | precision | recall |")
    print("|---|---|---|---|---|---|---|---|")
    for group in ORDER:
        s = scores[group]
        print(f"| {group} | {s.files} | {s.tp + s.fn} | {s.tp} | {s.fp} | {s.fn} | {s.precision:.0%} | {s.recall:.0%} |")
    seconds, lines = speed(args.files)
    print(f"\nSpeed: {args.files} DAG files ({lines} lines) linted in {seconds:.2f} s by `retrylab lint` "
          f"(fresh process, median of 3; target <= 5 s).")


if __name__ == "__main__":
    main()
