"""The instructor's commands for a workshop: ``make assignments``, ``collect``, ``autograde``, ``feedback``, ``grades``.

Why not plain nbgrader: ``generate_assignment`` deletes and rewrites its release
folder, which is ``notebooks/`` where learners work, and ``autograde`` of an
assignment missing from the gradebook fails; these commands put every module into
the gradebook through a throwaway release folder, then call nbgrader's own
``zip_collect``, ``autograde``, ``generate_feedback`` and ``export`` per module.
Everything runs from ``grading/`` with its ``nbgrader_config.py``.
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
from pathlib import Path

from retrylab import course, manifest
from retrylab.hub import COURSE_ID

GRADING = course.COURSE / "grading"


def gradebook(root: Path = course.COURSE) -> Path:
    return root / "grading" / "gradebook.db"


def assignments(root: Path = course.COURSE) -> list[str]:
    """Every module into the class's gradebook; ``notebooks/`` is not touched."""
    names = course.assignments(root)
    with tempfile.TemporaryDirectory(prefix="retrylab-assignments-") as tmp:
        course.generate(Path(tmp), root, gradebook=gradebook(root), names=names)
    print(f"The gradebook has {len(names)} assignments: {', '.join(names)}.")
    return names


def _missing_from_gradebook(names: list[str], root: Path) -> list[str]:
    if not gradebook(root).exists():
        return names
    from nbgrader.api import Gradebook, MissingEntry

    missing = []
    with Gradebook(f"sqlite:///{gradebook(root)}") as gb:
        for name in names:
            try:
                gb.find_assignment(name)
            except MissingEntry:
                missing.append(name)
    return missing


def _ensure_in_gradebook(modules: list[str], root: Path) -> None:
    if missing := _missing_from_gradebook(modules, root):
        print(f"Adding {', '.join(missing)} to the gradebook first.")
        with tempfile.TemporaryDirectory(prefix="retrylab-assignments-") as tmp:
            course.generate(Path(tmp), root, gradebook=gradebook(root), names=missing)


def _modules(named: str | None, root: Path) -> list[str]:
    """The module ``named`` (id or number), or every module."""
    if not named:
        return course.assignments(root)
    for m in manifest.modules():
        if named in (m.id, m.id[:2]) or (named.isdigit() and m.id.startswith(f"{int(named):02d}-")):
            return [m.id]
    raise SystemExit(f"No module {named!r}. Modules: {', '.join(m.id for m in manifest.modules())}.")


def _students(step: str, module: str, root: Path) -> list[str]:
    folder = root / "grading" / step
    return sorted(p.name for p in folder.iterdir() if (p / module).is_dir()) if folder.is_dir() else []


def _nbgrader(*args: str, root: Path) -> None:
    proc = course.run_in_grading(["-m", "nbgrader", *args], course=root, capture=False)
    if proc.returncode != 0:
        raise SystemExit(f"nbgrader {args[0]} failed (exit {proc.returncode}); its messages are above.")


def release(named: str | None = None, root: Path = course.COURSE) -> None:
    """nbgrader release_assignment into the hub's exchange (``make workshop``): learners fetch it from their Assignment List."""
    _ensure_in_gradebook(_modules(named, root), root)
    for module in _modules(named, root):
        _nbgrader("release_assignment", module, "--force", root=root)
        print(f"{module}: released to the exchange")
    # The hub's kernels run this environment's Python: a fetched notebook that says so opens unmodified.
    course.stamp_kernel(_exchange(root) / COURSE_ID / "outbound")


def collect(named: str | None = None, root: Path = course.COURSE) -> None:
    """Submissions into grading/submitted/: from the hub's exchange (nbgrader collect), or from files downloaded from an
    LMS, grading/downloaded/<module>/archive/<student>_<module>.ipynb or .zip (nbgrader zip_collect)."""
    for module in _modules(named, root):
        archive = root / "grading" / "downloaded" / module / "archive"
        inbound = _exchange(root) / COURSE_ID / "inbound"
        found = False
        if inbound.is_dir() and any(p.name.split("+")[1:2] == [module] for p in inbound.iterdir()):
            _nbgrader("collect", module, "--update", root=root)
            found = True
        if archive.is_dir() and any(archive.iterdir()):
            _nbgrader("zip_collect", module, "--force", root=root)
            found = True
        if found:
            print(f"{module}: submitted by {', '.join(_students('submitted', module, root)) or 'nobody'}")
        else:
            print(f"{module}: nothing in the exchange or in {archive.relative_to(root)}")


def return_feedback(named: str | None = None, root: Path = course.COURSE) -> None:
    """nbgrader release_feedback into the hub's exchange: learners fetch it from their Assignment List."""
    for module in _modules(named, root):
        if _students("feedback", module, root):
            _nbgrader("release_feedback", module, root=root)
            print(f"{module}: feedback returned to {', '.join(_students('feedback', module, root))}")


def _exchange(root: Path) -> Path:
    return Path(os.environ.get("RETRYLAB_EXCHANGE", root / "workshop" / "run" / "exchange"))


def autograde(named: str | None = None, root: Path = course.COURSE) -> None:
    """nbgrader autograde for every module (or one) that has submissions; assignments added first if missing."""
    from retrylab.tries.zygote import Zygote

    modules = _modules(named, root)
    _ensure_in_gradebook(modules, root)
    with Zygote():  # every submission's grader forked warm, not started cold
        for i, module in enumerate(modules, 1):
            students = _students("submitted", module, root)
            if not students:
                print(f"[{i}/{len(modules)}] {module}: no submissions in grading/submitted/<student>/{module}/")
                continue
            print(f"[{i}/{len(modules)}] {module}: autograding {len(students)} submission(s): {', '.join(students)}", flush=True)
            _nbgrader("autograde", module, "--force", root=root)


def feedback(named: str | None = None, root: Path = course.COURSE) -> None:
    """nbgrader generate_feedback for every autograded module (or one): HTML in grading/feedback/<student>/<module>/."""
    for module in _modules(named, root):
        if _students("autograded", module, root):
            _nbgrader("generate_feedback", module, "--force", root=root)
            print(f"{module}: feedback for {', '.join(_students('feedback', module, root))}")


def grades(root: Path = course.COURSE) -> Path:
    """Every student's score in every module, with nbgrader's CSV export, to grading/grades.csv."""
    out = root / "grading" / "grades.csv"
    _nbgrader("export", f"--CsvExportPlugin.to={out}", root=root)
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    print(f"{len(rows)} rows (student x module) in {out.relative_to(root)}")
    return out


COMMANDS = {
    "assignments": assignments,
    "release": release,
    "collect": collect,
    "autograde": autograde,
    "feedback": feedback,
    "return-feedback": return_feedback,
    "grades": grades,
}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in COMMANDS:
        print(f"usage: python -m retrylab.workshop {{{','.join(COMMANDS)}}} [MODULE]", file=sys.stderr)
        return 2
    command, rest = COMMANDS[args[0]], args[1:]
    command(*rest[:1]) if command not in (assignments, grades) else command()
    return 0


if __name__ == "__main__":
    sys.exit(main())
