"""Measure what learners and graders wait for, side by side, on this machine.

    python benchmarks/bench.py [--repeat N] [--make-test]

1. Cold start to the first DAG-run result in a fresh process (from launch to
   the result, not to interpreter exit): the lab
   (template DB copy + dag.test()) against the naive path (`airflow db migrate`
   in a fresh AIRFLOW_HOME, then a fresh process running dag.test()).
2. Module 01's crash matrix (clean run + 10 crash scenarios) in a warm process, with every
   try in that process (lessons) and with every try in a process of its own (grading).
3. Peak memory of a real Jupyter kernel that opens the lab and runs the matrix.
4. The worker stack (API server + LocalExecutor, module 03): start-up, and one
   kill-mode scenario (a real SIGKILL and Airflow's retry) once it is up.
5. Module 04: its grader in a warm process (a clean week + 4 crashed weeks of
   producer and downstream runs), and a deployment (API server, scheduler,
   DAG processor) from start to the downstream run the scheduler triggered.
6. Module 06: `retrylab check 06` on the solved repository (once).
7. With --make-test: the wall time of `make test`.

Prints a Markdown table (paste it into the README) and the raw JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

COURSE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(COURSE))

from tests.course_files import dag_source  # noqa: E402

PROBE = '''
from datetime import datetime, timedelta
from airflow.sdk import DAG, task

with DAG(dag_id="bench_probe", schedule=None, start_date=datetime(2025, 1, 1), catchup=False):
    @task(retries=1, retry_delay=timedelta(seconds=0))
    def probe():
        return 1
    probe()
'''


def timed(cmd: list[str], env: dict | None = None, cwd: Path | None = None) -> float:
    """Seconds from launching ``cmd`` until it prints ``RESULT <epoch>`` (or until it exits).

    A result is ready before the interpreter has torn down Airflow's many
    modules (about 2 s here), so both paths are timed to the result.
    """
    started = time.time()
    proc = subprocess.run(cmd, env={**os.environ, **(env or {})}, cwd=cwd, capture_output=True, text=True)
    ended = time.time()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    marks = [float(line.split()[1]) for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    return (marks[-1] if marks else ended) - started


def lab_cold_start(tmp: Path) -> float:
    script = textwrap.dedent(
        f"""
        import retrylab
        lab = retrylab.open_lab({str(tmp / 'lab')!r}, {str(tmp / 'dags')!r})
        (lab.box.dags / "bench_probe.py").write_text({PROBE!r})
        assert lab.run(lab.box.dags / "bench_probe.py").succeeded
        import time; print("RESULT", time.time())
        """
    )
    return timed([sys.executable, "-c", script], cwd=COURSE)


def naive_cold_start(tmp: Path) -> float:
    home, dags = tmp / "home", tmp / "naive_dags"
    dags.mkdir()
    (dags / "bench_probe.py").write_text(PROBE)
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
    }
    env.pop("AIRFLOW_CONFIG", None)
    migrate = timed([sys.executable, "-m", "airflow", "db", "migrate"], env=env)
    script = textwrap.dedent(
        f"""
        from airflow.dag_processing.dagbag import DagBag
        dag = DagBag(dag_folder={str(dags / 'bench_probe.py')!r}).get_dag("bench_probe")
        assert dag.test().state == "success"
        import time; print("RESULT", time.time())
        """
    )
    return migrate + timed([sys.executable, "-c", script], env=env)


def run_json(script: str):
    """Run ``script`` in a fresh Python and return the JSON it printed last."""
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True, cwd=COURSE)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def warm_matrix(tmp: Path, repeat: int) -> dict[str, list[float]]:
    """Module 01's matrix (clean + 10 crashes), warm, both ways in one process: every try inside this process
    (the lessons' dag.test path) and every try in a process of its own (what grading uses)."""
    fix = tmp / "checkpoint_fix.py"
    fix.write_text(dag_source("01-checkpoints", "checkpoint_fix.py"))
    return run_json(
        f"""
        import json, time
        import retrylab
        from retrylab import checks
        from retrylab.checks import equivalence
        from retrylab.tries.lab import IsolatedLab
        lab = retrylab.open_lab({str(tmp / 'mlab')!r}, {str(tmp / 'mdags')!r})
        isolated = IsolatedLab(lab.box)
        spec = checks.module("01-checkpoints")
        lab.run({str(fix)!r}, dag_id="checkpoint_fix")  # pay both cold starts first
        isolated.run({str(fix)!r}, dag_id="checkpoint_fix")
        times = {{"in_process": [], "per_process": []}}
        for _ in range({repeat}):
            equivalence._CACHE.clear()
            started = time.perf_counter()
            matrix = equivalence.run_matrix(lab, {str(fix)!r}, spec.dag_id, spec.suite.world, spec.suite.scenarios)
            assert not matrix.error and all(r.succeeded for _, r in matrix.runs)
            times["in_process"].append(time.perf_counter() - started)
            equivalence._CACHE.clear()
            started = time.perf_counter()
            assert spec.grade(isolated, {str(fix)!r}).passed
            times["per_process"].append(time.perf_counter() - started)
        isolated.close()
        print(json.dumps(times))
        """
    )


def worker_stack(tmp: Path, repeat: int) -> dict[str, list[float]]:
    """Start-up of the kill-mode stack, then kill-mode scenarios of module 03's fix (jobs of 1.1 s)."""
    fix = tmp / "resumable_fix.py"
    fix.write_text(dag_source("03-resumable-jobs", "resumable_fix.py"))
    return run_json(
        f"""
        import json, time
        import retrylab
        lab = retrylab.open_lab({str(tmp / 'slab')!r}, {str(tmp / 'sdags')!r})
        startup = lab.stack.start()
        runs = []
        for _ in range({repeat}):
            started = time.perf_counter()
            report = lab.run({str(fix)!r}, crash="while_running", kill=True)
            assert report.succeeded and len(report.jobs) == 1, report.table()
            runs.append(time.perf_counter() - started)
        print(json.dumps({{"startup": [startup], "scenario": runs}}))
        """
    )


def watermarks(tmp: Path, repeat: int) -> dict[str, list[float]]:
    fix = tmp / "orders_watermark.py"
    fix.write_text(dag_source("04-asset-watermarks", "orders_watermark.py"))
    return run_json(
        f"""
        import json, shutil, time
        import retrylab
        from retrylab import checks
        from retrylab.checks import equivalence
        from retrylab.daily import LANDING
        from retrylab.tries.lab import IsolatedLab
        lab = retrylab.open_lab({str(tmp / 'wlab')!r}, {str(tmp / 'wdags')!r})
        isolated = IsolatedLab(lab.box)
        spec = checks.module("04-asset-watermarks")
        isolated.run({str(fix)!r}, dag_id="orders_watermark", world=LANDING)  # pay the cold start first
        grades = []
        for _ in range({repeat}):
            equivalence._CACHE.clear()
            started = time.perf_counter()
            assert spec.grade(isolated, {str(fix)!r}).passed
            grades.append(time.perf_counter() - started)
        isolated.close()
        shutil.copy({str(fix)!r}, lab.box.dags)
        lab.clear_asset_state()
        lab.use_world(LANDING)
        started = time.perf_counter()
        with lab.deployment() as airflow:
            for dag_id in ("orders_billing", "orders_watermark"):
                airflow.unpause(dag_id)
            produced = airflow.wait_for_run("orders_watermark")
            assert airflow.wait_for_run("orders_billing", triggered_by=produced)["state"] == "success"
            deployed = time.perf_counter() - started
        print(json.dumps({{"grade": grades, "deployment": [deployed]}}))
        """
    )


def kernel_peak_memory(tmp: Path) -> float:
    """MiB of the peak resident set of a real ipykernel that opens the lab and runs the matrix."""
    import nbformat
    from nbclient import NotebookClient

    fix = tmp / "kfix.py"
    fix.write_text(dag_source("01-checkpoints", "checkpoint_fix.py"))
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(f"import retrylab\nlab = retrylab.open_lab({str(tmp / 'klab')!r}, {str(tmp / 'kdags')!r})"),
        nbformat.v4.new_code_cell(f"ex = lab.exercise('01-checkpoints', {str(fix)!r})\nex.check()"),
        nbformat.v4.new_code_cell("import resource\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"),
    ]
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp)}}).execute()
    return int(nb.cells[-1].outputs[-1]["text"].strip()) / 1024


def capstone(tmp: Path) -> float:
    """`retrylab check 06` on module 06's solved repository: its lint and triage, then four crash matrices with
    their hidden suites, as an instructor or CI grades one learner's folder (once: it takes minutes)."""
    from tests.course_files import dag_files

    folder = tmp / "capstone" / "dags"
    folder.mkdir(parents=True)
    for name, text in dag_files("06-capstone").items():
        (folder / name).write_text(text)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "retrylab.cli", "check", "06", str(folder)], capture_output=True, text=True, cwd=tmp)
    if done.returncode != 0:
        raise SystemExit(f"retrylab check 06 failed on the solution:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return time.monotonic() - started


def make_test() -> float:
    return timed(["make", "test"], cwd=COURSE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--make-test", action="store_true", help="also time `make test` (several minutes)")
    args = parser.parse_args()
    os.environ.setdefault("RETRYLAB_CACHE", str(COURSE / ".retrylab-cache"))
    results: dict[str, float | list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="retrylab-bench-") as tmp_root:
        tmp = Path(tmp_root)
        subprocess.run([sys.executable, "-m", "retrylab.cli", "doctor"], capture_output=True, cwd=COURSE)
        lab, naive = [], []
        for i in range(args.repeat):
            print(f"cold start {i + 1}/{args.repeat} ...", file=sys.stderr)
            run_dir = tmp / f"cold{i}"
            run_dir.mkdir()
            lab.append(lab_cold_start(run_dir))
            naive.append(naive_cold_start(run_dir))
        results["lab_cold_start_s"] = lab
        results["naive_cold_start_s"] = naive
        print("crash matrix ...", file=sys.stderr)
        matrix = warm_matrix(tmp, args.repeat)
        results["matrix_warm_s"] = matrix["in_process"]
        results["matrix_per_process_s"] = matrix["per_process"]
        print("worker stack ...", file=sys.stderr)
        stack = worker_stack(tmp, args.repeat)
        results["stack_startup_s"] = stack["startup"]
        results["kill_scenario_s"] = stack["scenario"]
        print("module 04 ...", file=sys.stderr)
        water = watermarks(tmp, args.repeat)
        results["m04_grade_s"] = water["grade"]
        results["m04_deployment_s"] = water["deployment"]
        print("module 06 ...", file=sys.stderr)
        results["m06_check_s"] = capstone(tmp)
        print("kernel memory ...", file=sys.stderr)
        results["kernel_peak_mib"] = kernel_peak_memory(tmp)
    if args.make_test:
        print("make test ...", file=sys.stderr)
        results["make_test_s"] = make_test()

    med = {k: statistics.median(v) if isinstance(v, list) else v for k, v in results.items()}
    ratio = med["lab_cold_start_s"] / med["naive_cold_start_s"]
    rows = [
        ("Cold start to first DAG-run result (lab)", f"{med['lab_cold_start_s']:.1f} s", "<= 8 s, <= half of naive"),
        ("Cold start, naive (`db migrate` + `dag.test()`)", f"{med['naive_cold_start_s']:.1f} s", ""),
        ("Lab / naive", f"{ratio:.2f}", "<= 0.50"),
        ("Module 01 crash matrix, warm, every try in this process (lessons)", f"{med['matrix_warm_s']:.1f} s", "<= 5 s"),
        ("Module 01 crash matrix, warm, every try its own process (grading)", f"{med['matrix_per_process_s']:.1f} s", ""),
        ("Per-process / in-process", f"{med['matrix_per_process_s'] / med['matrix_warm_s']:.2f}", "<= 2"),
        ("Peak memory of a kernel running the matrix", f"{med['kernel_peak_mib']:.0f} MiB", ""),
        ("Worker stack start-up (API server + LocalExecutor)", f"{med['stack_startup_s']:.1f} s", "<= 30 s"),
        ("One kill-mode scenario (SIGKILL + retry), stack up", f"{med['kill_scenario_s']:.1f} s", "<= 10 s"),
        ("Module 04 grader, warm (clean week + 5 crashed weeks), per process", f"{med['m04_grade_s']:.1f} s", "<= 30 s"),
        ("Deployment start to the scheduler-triggered downstream run", f"{med['m04_deployment_s']:.1f} s", "<= 60 s"),
        ("`retrylab check 06` on a solved repository (lint, triage, 4 matrices + hidden)", f"{med['m06_check_s']:.0f} s", ""),
    ]
    if "make_test_s" in med:
        rows.append(("`make test`", f"{med['make_test_s'] / 60:.1f} min", "<= 15 min"))
    print(f"\nMedian of {args.repeat} runs, {os.cpu_count()} cores, Python {sys.version.split()[0]}:\n")
    print("| measure | result | target |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print("\n" + json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
