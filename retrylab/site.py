"""``make site``: the whole course as a static website, built from its executed solution notebooks.

Each module is one page: its solution notebook run top to bottom (outputs, pictures and their alt text), with every
exercise cell showing what a learner gets (the release's placeholder), never its solution. Executed notebooks are
kept in a cache keyed by the solution's text, so a rebuild executes only the modules that changed. Sphinx with
MyST-NB and sphinx-book-theme: both ship their assets in their wheels, so a build needs no network.

    python -m retrylab.site [--out build/site] [--modules 00 01 ...] [--jobs 2]
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from retrylab import manifest
from retrylab.course import COURSE

BUILD = COURSE / "build"
CACHE = BUILD / "site-cache"  # executed notebooks, named by the hash of the solution they ran
CONF = '''\
project = "Retry-Safe Airflow"
author = "Retry-Safe Airflow"
extensions = ["myst_nb"]
html_theme = "sphinx_book_theme"
html_title = "Retry-Safe Airflow"
html_theme_options = {"show_toc_level": 2}
nb_execution_mode = "off"  # the pages show the outputs of a real run (retrylab.site executes them first)
exclude_patterns = ["_build"]
'''


class SiteError(RuntimeError):
    """The site could not be built; the message says which module or step, and why."""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def cached(module: str, cache: Path = CACHE) -> Path:
    """Where ``module``'s executed notebook is kept: named by the hash of the solution it ran."""
    source = COURSE / "solutions" / module / f"{module}.ipynb"
    return cache / f"{module}-{_digest(source)}.ipynb"


def executed(module: str, *, cache: Path = CACHE) -> Path:
    """``module``'s solution notebook, executed in a scratch copy of its folder (cached by the solution's text).

    Each run is a process of its own: papermill's ``cwd`` changes the working directory of the whole process, so two
    notebooks executed by threads of one process would run in each other's folders."""
    source = COURSE / "solutions" / module / f"{module}.ipynb"
    target = cached(module, cache)
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"retrylab-site-{module}-") as tmp:
        work = Path(tmp) / module
        shutil.copytree(source.parent, work, ignore=shutil.ignore_patterns(".sandbox", "dags", ".ipynb_checkpoints"))
        out = Path(tmp) / "executed.ipynb"
        done = subprocess.run(
            [sys.executable, "-m", "papermill", str(work / source.name), str(out), "--cwd", str(work),
             "--kernel", "python3", "--no-progress-bar"],
            capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:  # papermill says which cell failed; the site must not show an error output
            raise SiteError(f"{module}: the solution notebook failed to run:\n{done.stderr[-3000:]}")
        for old in cache.glob(f"{module}-*.ipynb"):
            old.unlink()
        shutil.copy(out, target)
    return target


def learner_view(executed_nb: nbformat.NotebookNode, release: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The executed notebook with each exercise cell's source as the learner gets it (outputs kept)."""
    given = {cell.get("id"): cell.source for cell in release.cells}
    for cell in executed_nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            if cell.get("id") not in given:
                raise SiteError(f"exercise cell {cell.get('id')!r} is not in the release notebook: run `make notebooks`")
            cell.source = given[cell["id"]]
        cell.get("metadata", {}).pop("papermill", None)
    executed_nb.metadata.pop("papermill", None)
    return executed_nb


def home_page(modules: Sequence[manifest.Module]) -> str:
    """README's module table (links pointing at the pages) above a toctree of the modules."""
    table = manifest.readme_table(tuple(modules))
    table = re.sub(r"\]\(notebooks/([^/]+)/\1\.ipynb\)", r"](\1.ipynb)", table)
    toctree = "\n".join(m.id for m in modules)
    return (
        "# Retry-Safe Airflow\n\n"
        "A course on Apache Airflow 3.3's state store (AIP-103): `task_state_store`, `asset_state_store` and\n"
        "`ResumableJobMixin`. Each module shows a retry losing or duplicating data for real, on real Airflow 3.3, then\n"
        "fixes it and proves the fix under every crash point. Every page below is the module's notebook as it ran,\n"
        "with the exercises as a learner gets them.\n\n"
        f"{table}\n\n"
        f"```{{toctree}}\n:hidden:\n:maxdepth: 1\n\n{toctree}\n```\n"
    )


def build(out: Path = BUILD / "site", *, only: Sequence[str] = (), jobs: int = 2, log=print) -> Path:
    """Execute (or reuse) each module's notebook, then build the HTML site into ``out``; returns ``out``."""
    from sphinx.cmd.build import build_main

    modules = [m for m in manifest.modules() if not only or any(m.id.startswith(f"{int(o):02d}-") if o.isdigit() else m.id == o for o in only)]
    if not modules:
        raise SiteError(f"No module matches {list(only)}; modules: {', '.join(m.id for m in manifest.modules())}")
    started = time.monotonic()

    def run(module: manifest.Module) -> tuple[str, Path]:
        log(f"{module.id}: {'cached' if cached(module.id).exists() else f'executing (about {module.seconds} s)'}")
        path = executed(module.id)
        log(f"{module.id}: done ({time.monotonic() - started:.0f} s)")
        return module.id, path

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        # longest first, so the slowest module does not start last
        paths = dict(pool.map(run, sorted(modules, key=lambda m: -m.seconds)))
    with tempfile.TemporaryDirectory(prefix="retrylab-site-src-") as tmp:
        src = Path(tmp)
        (src / "conf.py").write_text(CONF)
        (src / "index.md").write_text(home_page(modules))
        for module in modules:
            release = nbformat.read(COURSE / "notebooks" / module.id / f"{module.id}.ipynb", as_version=4)
            page = learner_view(nbformat.read(paths[module.id], as_version=4), release)
            nbformat.write(page, src / f"{module.id}.ipynb")
        if out.exists():
            shutil.rmtree(out)
        log(f"sphinx: building {len(modules)} pages into {out}")
        code = build_main(["-b", "html", "-q", "-j", "1", str(src), str(out), "-d", str(Path(tmp) / "doctrees")])
    if code != 0:
        raise SiteError(f"sphinx-build failed (exit {code}); its messages are above")
    log(f"site ready: {out / 'index.html'} ({time.monotonic() - started:.0f} s)")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the course site from executed solution notebooks.")
    parser.add_argument("--out", type=Path, default=BUILD / "site")
    parser.add_argument("--modules", nargs="*", default=(), help="module ids or numbers (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at once (default 2: one per core)")
    args = parser.parse_args(argv)
    try:
        build(args.out, only=args.modules, jobs=args.jobs, log=lambda text: print(text, file=sys.stderr, flush=True))
    except SiteError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
