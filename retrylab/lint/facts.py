"""What a DAG file does with state, read from its syntax tree (never imported, never run).

The rules ask questions of these facts: which functions run inside a task,
which names hold a state store, where a value comes from. The answers are
deliberately simple (one file, names not types) so the lint stays fast and its
findings stay explainable.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

Func = ast.FunctionDef | ast.AsyncFunctionDef

TASK_DECORATORS = {"task", "asset", "multi_asset"}  # @task, @task.xxx, @asset
TASK_METHODS = {
    "execute", "submit_job", "get_job_status", "is_job_active", "is_job_succeeded",
    "poll_until_complete", "get_job_result", "execute_complete", "poke",
}
CALLABLE_KWARGS = {"python_callable", "callable"}
WALL_CLOCK = {"now", "utcnow", "today", "time", "time_ns"}
WALL_CLOCK_OWNERS = {"datetime", "pendulum", "timezone", "time", "date", "dt", "Date", "DateTime", "timeutils"}


JOB_URL = re.compile(r"run-now|runs/submit|submit|/batches\b|/jobs\b|/runs\b|/start|/trigger|/execut|dagRuns|"
                     r"/pipelines?/|/workflows?/|/queries\b|/statements\b", re.IGNORECASE)


def words(name: str) -> set[str]:
    """`transform_and_load` -> {transform, and, load}; `putObject` -> {put, object}."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return {w for w in spaced.lower().split("_") if w}


def call_name(node: ast.AST) -> str:
    """The last name of a call's target: `client.jobs.submit(...)` -> `submit`."""
    func = node.func if isinstance(node, ast.Call) else node
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def dotted(node: ast.AST) -> str:
    """`os.environ` -> "os.environ"; anything not a plain dotted name -> ""."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def const_str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def is_submit(name: str) -> bool:
    """Calls that start external work: `submit`, `submit_run`, `run_now`, `start_job_run`, `add_job_flow_steps`."""
    w = words(name)
    if w & {"submit", "launch"}:
        return True
    if "run" in w and w & {"now", "job"}:
        return True
    return bool(w & {"start", "create", "add", "trigger"}) and bool(
        w & {"job", "run", "execution", "step", "steps", "pipeline", "query", "flow", "batch", "workflow"})


def is_wall_clock(call: ast.AST) -> bool:
    """`datetime.now()`, `datetime.utcnow()`, `pendulum.now("UTC")`, `timezone.utcnow()`, `time.time()`, `utcnow()`."""
    if not isinstance(call, ast.Call):
        return False
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in {"utcnow", "now"}
    if isinstance(func, ast.Attribute) and func.attr in WALL_CLOCK:
        owner = dotted(func.value).split(".")[-1]
        return owner in WALL_CLOCK_OWNERS
    return False


@dataclass
class Store:
    kind: str  # "task" | "asset"


@dataclass
class FunctionFacts:
    node: Func
    cls: ast.ClassDef | None = None
    stores: dict[str, Store] = field(default_factory=dict)  # local names that hold a store accessor
    assigned: dict[str, list[ast.AST]] = field(default_factory=dict)  # name -> values assigned (loop targets: the iterable)
    task_ids: set[str] = field(default_factory=set)  # when this function is a task's body
    task_call: ast.Call | None = None  # the decorator or operator call that made it a task
    is_task_code: bool = False  # a task, or called (transitively) from one
    loop_vars: set[str] = field(default_factory=set)  # names bound by a for loop
    param_values: dict[str, list[tuple[ast.AST, FunctionFacts]]] = field(default_factory=dict)  # from call sites
    nodes: list[ast.AST] | None = None
    call_nodes: list[ast.Call] | None = None


class FileFacts:
    """One parse of a DAG file and the facts every rule reads."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.functions: list[FunctionFacts] = []
        self.by_name: dict[str, FunctionFacts] = {}  # module-level functions and methods by bare name
        self.parents: dict[ast.AST, ast.AST] = {}
        self.module_names: dict[str, ast.AST] = {}  # module-level assignments
        self.classes: dict[str, ast.ClassDef] = {}
        self.class_stores: dict[tuple[str, str], Store] = {}  # (class, attribute) -> the store `self.attr` holds
        self.variable_names = {"Variable"} | {  # `from airflow.sdk import Variable as V`
            a.asname for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names
            if a.name == "Variable" and a.asname}
        self.nodes: list[ast.AST] = list(ast.walk(tree))  # every node, walked once
        self.all_calls = [n for n in self.nodes if isinstance(n, ast.Call)]
        for parent in self.nodes:
            for child in ast.iter_child_nodes(parent):
                self.parents[child] = parent
        for stmt in tree.body:
            for target, value in _assignments(stmt):
                if isinstance(target, ast.Name):
                    self.module_names[target.id] = value
            if isinstance(stmt, ast.ClassDef):
                self.classes[stmt.name] = stmt
        for node in self.nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                facts = FunctionFacts(node, cls=self._enclosing_class(node))
                self.functions.append(facts)
                self.by_name.setdefault(node.name, facts)
        self.facts_of = {f.node: f for f in self.functions}
        self.nested: dict[ast.AST, list[FunctionFacts]] = {}
        for facts in self.functions:
            outer = self.function_of(facts.node)
            if outer is not None:
                self.nested.setdefault(outer.node, []).append(facts)
        for facts in self.functions:
            self._collect_assignments(facts)
        self._find_tasks()
        self._find_stores()
        self._mark_task_code()

    # -- structure ---------------------------------------------------------
    def _enclosing_class(self, node: ast.AST) -> ast.ClassDef | None:
        parent = self.parents.get(node)
        while parent is not None and not isinstance(parent, ast.ClassDef):
            if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return None
            parent = self.parents.get(parent)
        return parent

    def function_of(self, node: ast.AST) -> FunctionFacts | None:
        parent = self.parents.get(node)
        while parent is not None:
            if parent in self.facts_of:
                return self.facts_of[parent]
            parent = self.parents.get(parent)
        return None

    def own_nodes(self, facts: FunctionFacts) -> list[ast.AST]:
        """Nodes of a function body, not of functions nested in it (computed once)."""
        if facts.nodes is None:
            facts.nodes = []
            stack = list(facts.node.body)
            while stack:
                node = stack.pop()
                facts.nodes.append(node)
                for child in ast.iter_child_nodes(node):
                    if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                        stack.append(child)
            facts.call_nodes = [n for n in facts.nodes if isinstance(n, ast.Call)]
        return facts.nodes

    def calls(self, facts: FunctionFacts) -> list[ast.Call]:
        if facts.call_nodes is None:
            self.own_nodes(facts)
        return facts.call_nodes

    def in_loop(self, node: ast.AST, facts: FunctionFacts) -> bool:
        parent = self.parents.get(node)
        while parent is not None and parent is not facts.node:
            if isinstance(parent, (ast.For, ast.AsyncFor, ast.While, ast.comprehension)):
                return True
            parent = self.parents.get(parent)
        return False

    def class_bases(self, cls: ast.ClassDef | None) -> set[str]:
        """Names of a class's bases, following classes defined in the same file."""
        seen: set[str] = set()
        todo = [cls] if cls else []
        while todo:
            for base in todo.pop().bases:
                name = dotted(base).split(".")[-1]
                if name and name not in seen:
                    seen.add(name)
                    if name in self.classes:
                        todo.append(self.classes[name])
        return seen

    # -- tasks -------------------------------------------------------------
    def _find_tasks(self) -> None:
        for facts in self.functions:
            node = facts.node
            for deco in node.decorator_list:
                call = deco if isinstance(deco, ast.Call) else None
                parts = dotted(call.func if call else deco).split(".")
                if parts[0] in TASK_DECORATORS or parts[-1] in TASK_DECORATORS:
                    facts.task_ids.add((const_str(keyword(call, "task_id")) if call else None) or node.name)
                    facts.task_call = call or ast.Call(func=deco, args=[], keywords=[])
            if facts.cls is not None and node.name in TASK_METHODS and self.class_bases(facts.cls):
                facts.task_ids.add(f"{facts.cls.name}.{node.name}")
        for node in self.all_calls:
            for kw in node.keywords:
                if kw.arg in CALLABLE_KWARGS and isinstance(kw.value, ast.Name) and kw.value.id in self.by_name:
                    facts = self.by_name[kw.value.id]
                    facts.task_ids.add(const_str(keyword(node, "task_id")) or kw.value.id)
                    facts.task_call = node

    def _mark_task_code(self) -> None:
        """Mark tasks and what they call (in this file), and which tasks reach each function."""
        self._reached: dict[ast.AST, set[str]] = {}
        instance_ids = self._instance_task_ids()
        for root in [f for f in self.functions if f.task_ids]:
            ids = set(root.task_ids)
            if root.cls is not None:
                ids |= instance_ids.get(root.cls.name, set())
            todo, seen = [root], set()
            while todo:
                facts = todo.pop()
                if facts.node in seen:
                    continue
                seen.add(facts.node)
                facts.is_task_code = True
                self._reached.setdefault(facts.node, set()).update(ids)
                for call in self.calls(facts):
                    todo.extend(self.callees(call, facts))
                todo.extend(self.nested.get(facts.node, []))  # functions defined inside a task run in it

    def _instance_task_ids(self) -> dict[str, set[str]]:
        """task_id= of each instantiation of an operator class defined in this file."""
        ids: dict[str, set[str]] = {}
        for node in self.all_calls:
            if isinstance(node.func, ast.Name) and node.func.id in self.classes:
                task_id = const_str(keyword(node, "task_id"))
                if task_id:
                    for cls in self.classes.values():  # subclasses of it run its methods
                        if cls.name == node.func.id or cls.name in self.class_bases(self.classes[node.func.id]):
                            ids.setdefault(cls.name, set()).add(task_id)
        return ids

    def task_code(self) -> list[FunctionFacts]:
        """The functions that run inside a task: its body and what it calls in this file."""
        return [f for f in self.functions if f.is_task_code]

    def reached_by(self, facts: FunctionFacts) -> set[str]:
        """The ids of the tasks whose code runs this function."""
        return self._reached.get(facts.node, set())

    def is_submit_call(self, node: ast.AST) -> bool:
        """`client.submit(...)`, `run_now(...)`, or an HTTP POST to a path that starts a job or run."""
        if not isinstance(node, ast.Call):
            return False
        if is_submit(call_name(node)):
            return True
        if call_name(node) in {"post", "put", "request"} and node.args:
            url = node.args[1] if call_name(node) == "request" and len(node.args) > 1 else node.args[0]
            if isinstance(url, ast.Name) and url.id in self.module_names:
                url = self.module_names[url.id]
            text = " ".join(const_str(v) or "" for v in ast.walk(url) if isinstance(v, ast.Constant))
            return bool(JOB_URL.search(text))
        return False

    def submit_calls(self, facts: FunctionFacts) -> list[ast.Call]:
        return [c for c in self.calls(facts) if self.is_submit_call(c)]

    def submit_names(self, facts: FunctionFacts) -> set[str]:
        """Local names that identify a submitted job: what the submission returned (a job id, a run, a response),
        or, when nothing is kept of what it returned, the names it was given (`create_training_job(Name=job)`)."""
        names = {name for name, values in facts.assigned.items()
                 if any(self.is_submit_call(s) for v in values for s in ast.walk(v))}
        for call in self.submit_calls(facts):
            if isinstance(self.parents.get(call), ast.Expr):  # the result is dropped
                for arg in call.args + [k.value for k in call.keywords]:
                    names |= self.roots(arg, facts)
        return names

    def callees(self, call: ast.Call, caller: FunctionFacts) -> list[FunctionFacts]:
        func = call.func
        if isinstance(func, ast.Name) and func.id in self.by_name:
            return [self.by_name[func.id]]
        if isinstance(func, ast.Name) and func.id in self.classes:  # a class built inside a task
            return [self.facts_of[n] for n in self.classes[func.id].body if n in self.facts_of]
        if isinstance(func, ast.Attribute):
            owner = dotted(func.value)
            cls = caller.cls if owner in {"self", "cls"} else self.classes.get(owner)
            if cls is None and owner in caller.assigned:  # cursor = ClaimsCursor(...); cursor.advance(...)
                built = [v.func.id for v in caller.assigned[owner] if isinstance(v, ast.Call)
                         and isinstance(v.func, ast.Name) and v.func.id in self.classes]
                cls = self.classes[built[0]] if built else None
            if cls is not None:
                for facts in self.functions:
                    if facts.cls is not None and facts.node.name == func.attr and (
                        facts.cls is cls or facts.cls.name in self.class_bases(cls)
                    ):
                        return [facts]
        return []

    # -- values ------------------------------------------------------------
    def _collect_assignments(self, facts: FunctionFacts) -> None:
        for node in self.own_nodes(facts):
            for target, value in _assignments(node):
                for name in _target_names(target):
                    facts.assigned.setdefault(name, []).append(value)
                    if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                        facts.loop_vars.add(name)

    def origins(self, expr: ast.AST, facts: FunctionFacts | None, limit: int = 200) -> list[ast.AST]:
        """Every expression `expr` is computed from, following local assignments and loop targets."""
        out: list[ast.AST] = []
        seen: set[str] = set()
        todo = [expr]
        while todo and len(out) < limit:
            node = todo.pop()
            out.append(node)
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and sub.id not in seen:
                    seen.add(sub.id)
                    values = facts.assigned.get(sub.id, []) if facts else []
                    if not values and sub.id in self.module_names:
                        values = [self.module_names[sub.id]]
                    todo.extend(values)
        return out

    def scalar_origins(self, expr: ast.AST, facts: FunctionFacts) -> list[ast.AST]:
        """Like origins, without looking inside dict/list/set literals (a summary that holds a time is no watermark)."""
        out: list[ast.AST] = []
        seen: set[str] = set()
        todo = [expr]
        while todo and len(out) < 200:
            node = todo.pop()
            if isinstance(node, (ast.Dict, ast.List, ast.Set, ast.Tuple, ast.DictComp, ast.ListComp)):
                continue
            out.append(node)
            if isinstance(node, ast.Name):
                if node.id not in seen:
                    seen.add(node.id)
                    todo.extend(facts.assigned.get(node.id, []))
                continue
            todo.extend(ast.iter_child_nodes(node))
        return out

    def roots(self, expr: ast.AST, facts: FunctionFacts) -> set[str]:
        """Local names `expr` depends on (stores and module constants left out)."""
        names: set[str] = set()
        for node in self.origins(expr, facts):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and sub.id in facts.assigned and sub.id not in facts.stores:
                    names.add(sub.id)
        return names

    # -- stores ------------------------------------------------------------
    def _find_stores(self) -> None:
        for facts in self.functions:
            for arg in _all_args(facts.node):
                if arg.arg in {"task_state_store", "asset_state_store"}:
                    facts.stores[arg.arg] = Store(arg.arg.split("_")[0])
        changed = True
        while changed:  # aliases, attributes, and helpers handed a store by their caller
            changed = False
            for facts in self.functions:
                if facts.cls is not None:
                    for node in self.own_nodes(facts):
                        if isinstance(node, ast.Assign):
                            for target in node.targets:
                                key = (facts.cls.name, target.attr) if isinstance(target, ast.Attribute) and \
                                    dotted(target.value) == "self" else None
                                store = self.store_of(node.value, facts) if key else None
                                if store and key not in self.class_stores:
                                    self.class_stores[key] = store
                                    changed = True
                for name, values in facts.assigned.items():
                    if name not in facts.stores:
                        for value in values:
                            store = self.store_of(value, facts)
                            if store:
                                facts.stores[name] = store
                                changed = True
                                break
                for call in self.calls(facts):
                    for callee in self.callees(call, facts):
                        for param, value in _bind(callee, call):
                            store = self.store_of(value, facts)
                            if store and param not in callee.stores:
                                callee.stores[param] = store
                                changed = True
        for facts in self.functions:
            for call in self.calls(facts):
                for callee in self.callees(call, facts):
                    for param, value in _bind(callee, call):
                        callee.param_values.setdefault(param, []).append((value, facts))

    def store_of(self, expr: ast.AST, facts: FunctionFacts) -> Store | None:
        """The store an expression evaluates to, if it is a task or asset state store accessor."""
        if isinstance(expr, ast.Name):
            return facts.stores.get(expr.id)
        if isinstance(expr, ast.Subscript):  # context["task_state_store"], asset_state_store[ORDERS]
            key = const_str(expr.slice)
            if key in {"task_state_store", "asset_state_store"}:
                return Store(key.split("_")[0])
            inner = self.store_of(expr.value, facts)
            if inner and inner.kind == "asset":
                return inner
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "get":
            key = const_str(expr.args[0]) if expr.args else None
            if key in {"task_state_store", "asset_state_store"}:
                return Store(key.split("_")[0])
        if isinstance(expr, ast.Attribute) and expr.attr in {"task_state_store", "asset_state_store"}:
            return Store(expr.attr.split("_")[0])
        if isinstance(expr, ast.Attribute) and dotted(expr.value) == "self" and facts.cls is not None:
            return self.class_stores.get((facts.cls.name, expr.attr))
        return None

    def store_call(self, call: ast.Call, facts: FunctionFacts) -> Store | None:
        """The store a method call is made on (`task_state_store.set(...)`), if any."""
        if isinstance(call.func, ast.Attribute):
            return self.store_of(call.func.value, facts)
        return None


def _assignments(node: ast.AST) -> Iterator[tuple[ast.AST, ast.AST]]:
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, (ast.Tuple, ast.List)) and isinstance(node.value, (ast.Tuple, ast.List)) and \
                    len(target.elts) == len(node.value.elts):  # a, b = [], None
                yield from zip(target.elts, node.value.elts)
            else:
                yield target, node.value
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
        yield node.target, node.value
    elif isinstance(node, ast.NamedExpr):
        yield node.target, node.value
    elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
        yield node.target, node.iter
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        for item in node.items:
            if item.optional_vars is not None:
                yield item.optional_vars, item.context_expr


def _target_names(target: ast.AST) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            yield from _target_names(elt)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def _bind(callee: FunctionFacts, call: ast.Call) -> list[tuple[str, ast.expr]]:
    """Which parameter of `callee` each argument of `call` lands in."""
    params = [a.arg for a in _all_args(callee.node)]
    if callee.cls is not None and params[:1] in (["self"], ["cls"]):
        params = params[1:]
    return list(zip(params, call.args)) + [(k.arg, k.value) for k in call.keywords if k.arg]


def _all_args(node: Func) -> list[ast.arg]:
    a = node.args
    return a.posonlyargs + a.args + a.kwonlyargs + ([a.vararg] if a.vararg else []) + ([a.kwarg] if a.kwarg else [])
