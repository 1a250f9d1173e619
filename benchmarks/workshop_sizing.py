"""What one active learner costs a workshop machine: memory and CPU while module 03 runs on the hub.

Starts ``make workshop``'s hub with two learners, then in each learner's kernel
does what module 03 does at its heaviest: a kill-mode run in the worker stack (a
real API server and executor, a SIGKILL) and the self-check (a grader process,
the crash matrix with real kills). Samples every process carrying the learner's
HOME twice a second: peak memory (USS, what the learner alone holds, and RSS),
CPU seconds and wall time; first one learner alone, then two at once.

Run: ``.venv/bin/python benchmarks/workshop_sizing.py`` (about 3 minutes).
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from retrylab import hub as workshop_hub  # noqa: E402
from tests.course_files import dag_source  # noqa: E402

MODULE_03 = """
import retrylab, pathlib
lab = retrylab.open_lab("m03/.sandbox", "m03/dags")
pathlib.Path("m03/dags/resumable_fix.py").write_text(DAG)
lab.run("m03/dags/resumable_fix.py", crash="while_running", kill=True)
ex = lab.exercise("03-resumable-jobs", "m03/dags/resumable_fix.py")
ex.check()
"""


class Sampler(threading.Thread):
    """Peak USS/RSS of a learner's processes while it runs (CPU is read machine-wide: a try's process lives
    for less than a sample)."""

    def __init__(self, root: Path, user: str) -> None:
        super().__init__(daemon=True)
        self.root, self.user = root, user
        self.peak_uss = self.peak_rss = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            uss = rss = 0
            for proc in workshop_hub.learner_processes(self.root, self.user):
                try:
                    info = proc.memory_full_info()
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                uss, rss = uss + info.uss, rss + info.rss
            self.peak_uss, self.peak_rss = max(self.peak_uss, uss), max(self.peak_rss, rss)
            time.sleep(0.5)


def busy() -> float:
    t = psutil.cpu_times()
    return t.user + t.system + t.nice


def measure(hub: workshop_hub.Hub, users: list[str], code: str) -> tuple[float, list[tuple[str, float, Sampler]]]:
    """Machine CPU seconds used, and per learner: wall seconds and its sampler."""
    cpu_before = busy()
    samplers = {u: Sampler(hub.root, u) for u in users}
    for s in samplers.values():
        s.start()

    def one(user: str) -> tuple[str, float, Sampler]:
        start = time.monotonic()
        hub.execute(user, code, timeout=600)
        return user, time.monotonic() - start, samplers[user]

    with ThreadPoolExecutor(len(users)) as pool:
        results = list(pool.map(one, users))
    for s in samplers.values():
        s.done.set()
        s.join()
    return busy() - cpu_before, results


def main() -> None:
    code = f"DAG = {dag_source('03-resumable-jobs', 'resumable_fix.py')!r}\n" + MODULE_03
    with tempfile.TemporaryDirectory(prefix="retrylab-sizing-") as tmp:
        hub = workshop_hub.start(Path(tmp), ("s1", "s2"), "teach")
        try:
            idle = {}
            for user in ("s1", "s2"):
                hub.start_server(user)
                idle[user] = sum(p.memory_full_info().uss for p in workshop_hub.learner_processes(hub.root, user))
            print("module 03 at its heaviest (a kill-mode run in the worker stack, then the self-check's crash matrix):")
            print(f"{'learners at once':<18}{'learner':<16}{'wall s':>8}{'peak USS MiB':>14}{'peak RSS MiB':>14}{'machine CPU s':>15}")
            ran: set[str] = set()
            for users in (["s1"], ["s1", "s2"]):
                cpu, results = measure(hub, users, code)
                for user, wall, s in results:
                    label = user + (" (warm)" if user in ran else " (first run)")
                    print(f"{len(users):<18}{label:<16}{wall:>8.1f}{s.peak_uss / 2**20:>14.0f}{s.peak_rss / 2**20:>14.0f}{cpu:>15.1f}")
                ran.update(users)
            print(f"an idle learner's server (JupyterLab, no kernel): {idle['s1'] / 2**20:.0f} MiB USS")
        finally:
            hub.stop()


if __name__ == "__main__":
    main()
