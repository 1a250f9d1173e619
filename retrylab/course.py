"""Keep ``notebooks/`` (what learners open) generated from ``solutions/`` (the one authored copy).

Why not call ``nbgrader generate_assignment`` into ``notebooks/`` directly:
it deletes the release folder first, which would take a learner's work and
their ``dags/`` with it. Here nbgrader generates into a temporary folder, and
only the notebooks are copied over; a notebook with edits not committed to
git (a learner's work) is saved as a backup first. ``--check`` compares and writes nothing.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COURSE = Path(__file__).resolve().parents[1]


def assignments(course: Path = COURSE) -> list[str]:
    return sorted(p.name for p in (course / "solutions").iterdir() if (p / f"{p.name}.ipynb").exists())


def generate(into: Path, course: Path = COURSE) -> list[Path]:
    """Run nbgrader's generate_assignment for every module into ``into``; return the notebooks."""
    script = (
        "import sys\n"
        "from nbgrader.apps import NbGraderAPI\n"
        "from traitlets.config import Config\n"
        "from traitlets.config.loader import PyFileConfigLoader\n"
        "config = PyFileConfigLoader('nbgrader_config.py', path=sys.argv[1]).load_config()\n"
        "extra = Config()\n"
        "extra.CourseDirectory.release_directory = sys.argv[2]\n"
        "extra.CourseDirectory.db_url = 'sqlite:///' + sys.argv[2] + '/gradebook.db'\n"
        "config.merge(extra)\n"
        "api = NbGraderAPI(config=config)\n"
        "for name in sys.argv[3:]:\n"
        "    result = api.generate_assignment(name, force=True)\n"
        "    if not result['success']:\n"
        "        sys.exit(result['error'] + result['log'])\n"
    )
    names = assignments(course)
    # nbgrader runs the `alembic` command of its own environment: put it on PATH.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    proc = subprocess.run(
        [sys.executable, "-c", script, str(course / "grading"), str(into), *names],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": path},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment failed:\n{proc.stderr[-3000:]}")
    return [into / name / f"{name}.ipynb" for name in names]


def sync(course: Path = COURSE, *, check: bool = False) -> list[str]:
    """Regenerate; with ``check`` only report differences. Returns the notebooks that differ."""
    differ = []
    with tempfile.TemporaryDirectory(prefix="retrylab-release-") as tmp:
        for fresh in generate(Path(tmp), course):
            target = course / "notebooks" / fresh.parent.name / fresh.name
            if target.exists() and filecmp.cmp(fresh, target, shallow=False):
                continue
            differ.append(str(target.relative_to(course)))
            if check:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists() and _has_local_edits(target, course):
                backup = target.with_name(f"{target.stem}.backup-{time.strftime('%Y%m%d-%H%M%S')}.ipynb")
                shutil.copy2(target, backup)
                print(f"saved your copy of {target.name} as {backup.name}")
            shutil.copyfile(fresh, target)
    return differ


def _has_local_edits(path: Path, course: Path) -> bool:
    """True unless git says the file is exactly as committed (then nothing of the learner's is in it)."""
    proc = subprocess.run(
        ["git", "diff", "--quiet", "HEAD", "--", str(path)], cwd=course, capture_output=True
    )
    return proc.returncode != 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    differ = sync(check=check)
    if check and differ:
        print("notebooks/ is out of date with solutions/ (run `make notebooks` and commit):")
        print("\n".join(f"  {name}" for name in differ))
        return 1
    print("notebooks/ matches solutions/." if not differ else f"regenerated: {', '.join(differ)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
