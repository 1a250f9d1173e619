"""Keep ``notebooks/`` (what learners open) generated from ``solutions/`` (the one authored copy).

Why not call ``nbgrader generate_assignment`` into ``notebooks/`` directly:
it deletes the release folder first, which would take a learner's work and
their ``dags/`` with it. Here nbgrader generates into a temporary folder, and
only the notebooks are copied over; a notebook with edits not committed to
git (a learner's work) is saved as a backup first. README's module table is
written from ``course.toml``. ``--check`` compares and writes nothing.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from retrylab import manifest

COURSE = Path(__file__).resolve().parents[1]


def assignments(course: Path = COURSE) -> list[str]:
    """The modules ``course.toml`` declares; each must have its solution notebook."""
    names = [m.id for m in manifest.modules()]
    missing = [n for n in names if not (course / "solutions" / n / f"{n}.ipynb").exists()]
    if missing:
        raise FileNotFoundError(f"course.toml declares {', '.join(missing)}, but solutions/ has no notebook for it")
    return names


TABLE_START = "<!-- module table: made from course.toml by `make notebooks` -->"
TABLE_END = "<!-- end of module table -->"


def sync_readme(course: Path = COURSE, *, check: bool = False) -> bool:
    """Write README's module table from course.toml; True if it was (or, with ``check``, would be) changed."""
    readme = course / "README.md"
    text = readme.read_text()
    head, start, rest = text.partition(TABLE_START)
    _old, end, tail = rest.partition(TABLE_END)
    if not start or not end:
        raise ValueError(f"README.md has no module table markers ({TABLE_START} ... {TABLE_END})")
    new = f"{head}{TABLE_START}\n{manifest.readme_table()}\n{TABLE_END}{tail}"
    if new == text:
        return False
    if not check:
        readme.write_text(new)
    return True


def generate(into: Path, course: Path = COURSE, *, gradebook: Path | None = None, names: list[str] | None = None) -> list[Path]:
    """Run nbgrader's generate_assignment for ``names`` (every module) into the folder ``into``.

    The gradebook is a throwaway one in ``into`` unless ``gradebook`` names the class's
    (``make assignments``). One process for all modules. Returns the generated notebooks."""
    script = (
        "import sys\n"
        "from nbgrader.apps import NbGraderAPI\n"
        "from traitlets.config import Config\n"
        "from traitlets.config.loader import PyFileConfigLoader\n"
        "config = PyFileConfigLoader('nbgrader_config.py', path='.').load_config()\n"
        "extra = Config()\n"
        "extra.CourseDirectory.release_directory = sys.argv[1]\n"
        "extra.CourseDirectory.db_url = 'sqlite:///' + sys.argv[2]\n"
        "config.merge(extra)\n"
        "api = NbGraderAPI(config=config)\n"
        "for name in sys.argv[3:]:\n"
        "    result = api.generate_assignment(name, force=True)\n"
        "    if not result['success']:\n"
        "        sys.exit(result['error'] + result['log'])\n"
    )
    names = names or assignments(course)
    db = gradebook or into / "gradebook.db"
    proc = run_in_grading(["-c", script, str(into), str(db), *names], course=course)
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment failed:\n{proc.stderr[-3000:]}")
    return [into / name / f"{name}.ipynb" for name in names]


def run_in_grading(
    args: list[str], *, course: Path = COURSE, capture: bool = True, env: dict[str, str] | None = None, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """``python <args>`` in the course's grading/ folder, where nbgrader finds the class's config."""
    env = os.environ if env is None else env
    # nbgrader runs the `alembic` command of its own environment: put it on PATH.
    path = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    if capture:  # forked warm (nbgrader imported) when a grading zygote runs
        from retrylab.tries import zygote

        forked = zygote.run(args, cwd=course / "grading", env={**env, "PATH": path}, timeout=timeout)
        if forked is not None:
            return forked
    return subprocess.run(
        [sys.executable, *args],
        cwd=course / "grading",
        capture_output=capture,
        text=True,
        env={**env, "PATH": path},
        timeout=timeout,
    )


def kernel_language_info() -> dict:
    """What this environment's Python kernel reports about itself (ipykernel's own table)."""
    from ipykernel.ipkernel import IPythonKernel

    return dict(IPythonKernel.language_info)


def stamp_kernel(folder: Path) -> list[Path]:
    """Write this environment's kernel language_info into the notebooks under ``folder``.

    JupyterLab copies the running kernel's language_info (its exact Python version included) into a
    notebook it opens; a notebook that says anything else opens marked as modified before the learner
    touches it. `make lab` stamps the release's notebooks first; only that metadata changes.
    """
    info = kernel_language_info()
    stamped = []
    for path in sorted(folder.glob("*/*.ipynb")):
        if ".backup-" in path.name:
            continue
        nb = nbformat.read(path, as_version=4)
        if nb.metadata.get("language_info") != info:
            nb.metadata["language_info"] = info
            nbformat.write(nb, path)
            stamped.append(path)
    return stamped


def _same_notebook(a: Path, b: Path) -> bool:
    """Equal but for the kernel's language_info, which `make lab` stamps for the learner's Python."""
    def load(path: Path) -> dict:
        nb = json.loads(path.read_text(encoding="utf-8"))
        nb.get("metadata", {}).pop("language_info", None)
        return nb
    return filecmp.cmp(a, b, shallow=False) or load(a) == load(b)


def sync(course: Path = COURSE, *, check: bool = False) -> list[str]:
    """Regenerate; with ``check`` only report differences. Returns the notebooks that differ."""
    differ = []
    with tempfile.TemporaryDirectory(prefix="retrylab-release-") as tmp:
        for fresh in generate(Path(tmp), course):
            target = course / "notebooks" / fresh.parent.name / fresh.name
            if target.exists() and _same_notebook(fresh, target):
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
    if sync_readme(course, check=check):
        differ.append("README.md")
    return differ


def _has_local_edits(path: Path, course: Path) -> bool:
    """True unless git says the file is exactly as committed (then nothing of the learner's is in it)."""
    proc = subprocess.run(
        ["git", "diff", "--quiet", "HEAD", "--", str(path)], cwd=course, capture_output=True
    )
    return proc.returncode != 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--stamp-kernel" in args:
        stamp_kernel(COURSE / "notebooks")
        return 0
    check = "--check" in args
    differ = sync(check=check)
    if check and differ:
        print("notebooks/ or README's module table is out of date (run `make notebooks` and commit):")
        print("\n".join(f"  {name}" for name in differ))
        return 1
    print("notebooks/ matches solutions/." if not differ else f"regenerated: {', '.join(differ)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
