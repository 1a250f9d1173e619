"""``retrylab``: doctor the environment, check or lint DAG files, show progress.

Exit codes: 0 all good, 1 checks failed (or the doctor found a problem),
2 the command itself was used wrongly (unknown module, missing file).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import replace
from importlib import metadata
from pathlib import Path

from retrylab import progress, sandbox, versions


def _doctor(args: argparse.Namespace) -> int:
    ok = True

    def line(good: bool, text: str) -> None:
        nonlocal ok
        ok &= good
        print(f"[{'ok' if good else '!!'}] {text}")

    line(sys.version_info >= (3, 11), f"Python {platform.python_version()} (3.11 or newer needed)")
    gate = versions.check()
    line(gate.ok, gate.message)
    for package in ("jupyterlab", "nbgrader", "papermill", "nbval", "matplotlib"):
        try:
            line(True, f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            line(False, f"{package} is not installed. {versions.FIX}")
    if gate.ok:
        started = time.monotonic()
        try:
            template = sandbox.ensure_template()
            line(True, f"template metadata DB ready in {template} ({time.monotonic() - started:.1f} s)")
        except sandbox.SandboxError as exc:
            line(False, str(exc))
    if gate.ok and args.full:
        with tempfile.TemporaryDirectory(prefix="retrylab-doctor-") as tmp:
            started = time.monotonic()
            from retrylab import open_lab

            lab = open_lab(Path(tmp) / "sandbox", Path(tmp) / "dags")
            dag = Path(tmp) / "dags" / "doctor_probe.py"
            dag.write_text(_PROBE_DAG)
            report = lab.run(dag, crash="mid_page:1:3")
            line(
                report.succeeded and len(report.tries) == 2,
                f"a real dag.test() run with one injected crash and a retry: {report.state} "
                f"in {len(report.tries)} tries ({time.monotonic() - started:.1f} s including start-up)",
            )
    print("Everything is ready." if ok else "Fix the lines marked !! and run `retrylab doctor` again.")
    return 0 if ok else 1


_PROBE_DAG = '''
from datetime import datetime, timedelta
from airflow.sdk import DAG, task
from retrylab.world import fetch_page, transform_and_upsert

with DAG(dag_id="doctor_probe", schedule=None, start_date=datetime(2025, 1, 1), catchup=False):
    @task(retries=1, retry_delay=timedelta(seconds=0))
    def probe():
        for record in fetch_page(after_id=0, limit=10):
            transform_and_upsert(record)
    probe()
'''


def _check(args: argparse.Namespace) -> int:
    """Grade a DAG file (or module 06's repository folder) in this process, which never imports it:
    the public suite, then the hidden ones."""
    from retrylab import checks

    try:
        spec = checks.module(args.module)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 2
    path = Path(args.file)
    if spec.parts and not path.is_dir():
        print(f"{spec.id} grades a repository: give its folder (the one with {spec.parts[0][1]}), not {path}", file=sys.stderr)
        return 2
    if not spec.parts and not path.is_file():
        print(f"No such DAG file: {path}", file=sys.stderr)
        return 2
    gate = versions.check()
    if not gate.ok:
        print(gate.message, file=sys.stderr)
        return 2
    from retrylab.checks.results import Verdict
    from retrylab.tries.lab import IsolatedLab

    graded = [(spec.id, path)] + [(part, path / name) for part, name in spec.parts]
    results = []
    with tempfile.TemporaryDirectory(prefix="retrylab-check-") as tmp:
        box = sandbox.create(Path(tmp) / "sandbox", Path(tmp) / "dags")
        sandbox.activate(box)
        lab = IsolatedLab(box)
        try:
            for module, dag_file in graded:
                if not args.json and len(graded) > 1:
                    print(f"{module}: {dag_file}", file=sys.stderr)
                prefix = "" if module == spec.id else f"{dag_file.name}: "  # a part's checks named after its file
                results += [replace(r, check=prefix + r.check) for r in _grade_file(lab, module, dag_file)]
        finally:
            lab.close()
    verdict = Verdict(spec.id, str(path), results)
    if args.output:
        Path(args.output).write_text(verdict.to_json() + "\n")
    if args.json:
        print(verdict.to_json())
    if not args.json:
        print(f"{spec.id}: {path}")
        print(verdict.summary())
        print("All checks pass." if verdict.passed else "Some checks fail; the notebook's ex.hint() has hints.")
    return 0 if verdict.passed else 1


def _grade_file(lab, module: str, dag_file: Path) -> list:
    """One file's results: the public suite, then the hidden ones unless the file could not run at all."""
    from retrylab import checks, grading

    spec = checks.module(module)
    dots = _dots if sys.stderr.isatty() else None
    public = grading.grade(lab, spec.id, dag_file, progress=dots)
    unloadable = all(not r.crash for r in public.results)  # the file could not be run at all: said once
    if not spec.hidden or unloadable:
        return public.results
    return public.results + grading.grade(lab, spec.id, dag_file, hidden=True, progress=dots).results


def _dots(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


def _lint(args: argparse.Namespace) -> int:
    """Read DAG files (never import them) for state that does not survive a retry."""
    from retrylab import lint
    from retrylab.lint import report

    if args.rules:
        print(report.rule_table())
        return 0
    if not args.paths:
        print("Name at least one DAG file or folder, e.g. `retrylab lint dags/`.", file=sys.stderr)
        return 2
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"No such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    select = {r.strip().upper() for r in args.select.split(",")} if args.select else set(lint.RULES)
    unknown = select - set(lint.RULES)
    if unknown:
        print(f"Unknown rule {', '.join(sorted(unknown))}; `retrylab lint --rules` lists them.", file=sys.stderr)
        return 2
    files = list(lint.python_files(args.paths))
    findings = [f for f in lint.lint_paths(files) if f.rule in select]
    out = {"text": lambda: report.text(findings, len(files)), "json": lambda: report.as_json(findings),
           "sarif": lambda: report.sarif(findings)}[args.format]()
    if args.output:
        Path(args.output).write_text(out + "\n")
    else:
        print(out)
    return 1 if findings else 0


def _progress(args: argparse.Namespace) -> int:
    rows = progress.read(Path(args.course))
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    for row in rows:
        print(f"{row['module']:<26} {row['status']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="retrylab", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    doctor = sub.add_parser("doctor", help="check Python, Airflow 3.3+, the course packages and the sandbox")
    doctor.add_argument("--full", action="store_true", help="also run a real DAG with a crash and a retry")
    doctor.set_defaults(func=_doctor)
    check = sub.add_parser("check", help="grade a DAG file against a module's crash matrix")
    check.add_argument("module", help="module id or number, e.g. 01-checkpoints or 01")
    check.add_argument("file", help="the DAG file to check")
    check.add_argument("--json", action="store_true", help="print each check as JSON (and nothing else) on stdout")
    check.add_argument("--output", metavar="FILE", help="also write the JSON verdict to FILE")
    check.set_defaults(func=_check)
    lint = sub.add_parser("lint", help="find retry-unsafe state in DAG files (reads them, never runs them)")
    lint.add_argument("paths", nargs="*", metavar="PATH", help="DAG files or folders (folders: every .py under them)")
    lint.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    lint.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    lint.add_argument("--select", metavar="RULES", help="only these rules, comma-separated (e.g. RS101,RS201)")
    lint.add_argument("--rules", action="store_true", help="list the rules and the module that teaches each")
    lint.set_defaults(func=_lint)
    prog = sub.add_parser("progress", help="which modules' exercises pass, from your last self-checks")
    prog.add_argument("--course", default=".", help="the course folder (default: here)")
    prog.add_argument("--json", action="store_true")
    prog.set_defaults(func=_progress)
    args = parser.parse_args(argv)
    return args.func(args)


def run() -> None:
    """Console entry point: exit without tearing Airflow's modules down (about 2 s)."""
    code = main()
    from retrylab import stack

    stack.close_all()  # os._exit skips atexit: stop a worker stack a module 03 check started
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
