"""Autograde only what a grade depends on: the learner's cells, the graded cells, and the cells they need.

Why: nbgrader's autograde re-executes a whole lesson, so every submission
replays the lesson's demonstrations (the broken runs, the tours, the
deployment) before its graded cells run: minutes a submission, none of it
able to change a score. This nbgrader preprocessor runs after nbgrader has
restored every locked cell from the source and before it executes the
notebook; it tags the cells no grade depends on with nbclient's own
``skip-execution`` tag, so nbgrader's Execute leaves them alone.

What a grade depends on (computed per notebook, so a learner's added cell counts):
- roots: graded cells, solution cells, any unlocked cell (a cell the learner
  added or may edit), and every ``%%writefile`` cell (a DAG file on disk is
  what the graded cells read; writing one costs nothing);
- then, for every name a kept cell reads, the earlier cells that may have
  set it: back to the nearest one that always sets it (a top-level
  assignment, import, def or class that does not read it first), until
  nothing changes.
A kept cell that reaches names in ways this cannot follow (``globals()``,
``exec``, ``import *``, a magic such as ``%time`` or ``%run`` whose
argument is code) keeps the whole notebook: it is then run as
nbgrader would run it. So is a notebook with a cell that does not parse.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool

SKIP_TAG = "skip-execution"  # nbclient's NotebookClient.skip_cells_with_tag default
DYNAMIC = {"globals", "locals", "vars", "exec", "eval", "__import__", "get_ipython", "execfile"}
PLAIN_MAGICS = ("matplotlib", "load_ext", "reload_ext", "autoreload", "config", "pip")  # no code in their arguments


class GradingSlice(NbGraderPreprocessor):
    """nbgrader preprocessor: tag the cells no grade depends on so that Execute skips them."""

    enabled = Bool(True, help="Skip the cells no graded cell depends on").tag(config=True)

    def preprocess(self, nb, resources):
        if not self.enabled:
            return nb, resources
        keep = needed_cells(nb.cells)
        skipped = 0
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            tags = [t for t in cell.metadata.get("tags", []) if t != SKIP_TAG]
            if index not in keep:
                tags.append(SKIP_TAG)
                skipped += 1
            cell.metadata["tags"] = tags
        self.log.info("Grading slice: running %d code cells, skipping %d that no grade depends on",
                      sum(c.cell_type == "code" for c in nb.cells) - skipped, skipped)
        return nb, resources


def needed_cells(cells: Iterable) -> set[int]:
    """Indexes of the code cells a grade depends on (every code cell when that cannot be told)."""
    cells = list(cells)
    code = {i: _source(c) for i, c in enumerate(cells) if c.get("cell_type") == "code"}
    facts: dict[int, _CellFacts] = {}
    for i, source in code.items():
        found = _facts(source)
        if found is None:
            return set(code)  # a cell that does not parse: run everything, as nbgrader would
        facts[i] = found
    keep = {i for i in code if _is_root(cells[i], code[i])}
    pending = sorted(keep)
    while pending:
        i = pending.pop()
        if facts[i].dynamic:
            return set(code)
        for name in facts[i].reads:
            for j in sorted((j for j in code if j < i), reverse=True):
                if name not in facts[j].defines:
                    continue
                if j not in keep:
                    keep.add(j)
                    pending.append(j)
                if name in facts[j].always and name not in facts[j].reads:  # reads: before the cell set it
                    break  # an earlier value of the name cannot reach cell i
    return keep


@dataclass(frozen=True)
class _CellFacts:
    reads: set[str]  # names read before the cell binds them itself
    defines: set[str]  # names it may bind
    always: set[str]  # names a top-level statement binds whatever happens
    dynamic: bool  # reaches names in ways this cannot follow


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _is_root(cell, source: str) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if source.lstrip().startswith("%%writefile"):
        return True
    return bool(meta.get("grade") or meta.get("solution") or not meta.get("locked"))


def _facts(source: str) -> _CellFacts | None:
    if source.lstrip().startswith("%%writefile"):
        return _CellFacts(set(), set(), set(), False)  # the body is a file's text, not code this kernel runs
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return None
    reads: set[str] = set()  # names the cell reads before binding them itself
    defines: set[str] = set()
    always: set[str] = set()
    dynamic = False
    for statement in tree.body:
        bound = _bindings(statement)
        read_here, bound_here = set(), set(bound)
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                read_here.add(node.id)
                dynamic |= node.id in DYNAMIC and not _is_plain_magic(tree, node)
            elif isinstance(node, ast.alias) and node.name == "*":
                dynamic = True
        if isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            # `x = x + 1` reads the x an earlier cell set; a loop's, a comprehension's or a function's names do not.
            bound_here -= _always_defined(statement) | _target_names(statement)
        reads |= read_here - defines - bound_here
        defines |= bound
        always |= _always_defined(statement)
    return _CellFacts(reads, defines, always, dynamic)


def _bindings(statement: ast.stmt) -> set[str]:
    """Every name the statement may bind, at any depth."""
    names: set[str] = set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(a.asname or a.name.split(".")[0] for a in node.names if a.name != "*")
        elif isinstance(node, ast.Global):
            names.update(node.names)
    return names


def _target_names(statement: ast.Assign | ast.AugAssign | ast.AnnAssign) -> set[str]:
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _always_defined(node: ast.stmt) -> set[str]:
    """Names a top-level statement binds whatever happens (not inside an if, a loop, a try or a with)."""
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {t.id for t in targets if isinstance(t, ast.Name)}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {a.asname or a.name.split(".")[0] for a in node.names if a.name != "*"}
    return set()


def _is_plain_magic(tree: ast.AST, name: ast.Name) -> bool:
    """``%matplotlib inline`` (IPython makes it ``get_ipython().run_line_magic(...)``) hides no code; ``%time x = y`` does."""
    if name.id != "get_ipython":
        return False
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Call)
            and node.func.value.func is name
        ):
            magic = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else None
            return node.func.attr == "run_line_magic" and magic in PLAIN_MAGICS
    return False
