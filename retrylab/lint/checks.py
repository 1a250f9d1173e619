"""The rules as questions asked of a file's facts; each yields (rule id, the node to point at)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from retrylab.lint.facts import (
    FileFacts,
    FunctionFacts,
    call_name,
    const_str,
    dotted,
    is_wall_clock,
    keyword,
    words,
)

Hit = tuple[str, ast.AST]

SINK_WORDS = {"load", "write", "insert", "upsert", "merge", "append", "save", "copy", "put", "export", "upload",
              "bill", "process", "publish", "send", "executemany", "sql", "ingest", "sink", "commit"}
APPEND_WORDS = {"insert", "append", "load", "copy", "write", "save"}
IDEMPOTENT_WORDS = {"upsert", "merge", "replace", "overwrite", "idempotent", "dedupe", "dedup", "sync", "put",
                    "upload", "swap"}
WAIT_WORDS = {"wait", "poll", "status", "describe", "monitor", "until", "result", "results", "state", "check",
              "get", "fetch", "join", "done", "complete", "completion", "finished", "output", "sleep"}
WATERMARK_WORDS = {"watermark", "last", "since", "through", "until", "cursor", "high", "checkpoint", "synced",
                   "loaded", "processed", "max", "latest", "updated", "offset", "position", "from", "after"}
PENDING_PARTS = ("pend", "queue", "submit", "start", "wait", "creat", "schedul", "provision", "accept", "init",
                 "bootstrap", "new")
NON_JSON_CALLS = {"datetime", "date", "time", "timedelta", "Decimal", "set", "frozenset", "tuple", "bytes",
                  "bytearray", "UUID", "uuid1", "uuid4", "fromisoformat", "strptime", "fromtimestamp", "parse",
                  "now", "utcnow", "today", "DateTime", "Date", "Timestamp", "to_datetime"}
MUTATORS = {"append", "extend", "add", "update", "setdefault", "insert", "pop", "popitem", "remove", "discard",
            "clear", "__setitem__", "appendleft"}
MUTABLE_FACTORIES = {"dict", "list", "set", "defaultdict", "Counter", "OrderedDict", "deque"}
MISSING_ON_33 = {"aget", "aset", "adelete", "aclear", "keys", "items", "values", "get_all", "list"}


def run(facts: FileFacts) -> Iterator[Hit]:
    for check in CHECKS:
        yield from check(facts)


# -- helpers -------------------------------------------------------------------------------------------
def _is_variable_call(facts: FileFacts, call: ast.Call, method: str) -> bool:
    """`Variable.set(...)`, or through the file's alias (`from airflow.sdk import Variable as V`)."""
    return isinstance(call.func, ast.Attribute) and call.func.attr == method and \
        dotted(call.func.value).split(".")[-1] in facts.variable_names


def _arg(call: ast.Call, index: int, name: str) -> ast.expr | None:
    value = keyword(call, name)
    if value is None and len(call.args) > index:
        value = call.args[index]
    return value


def _resolve_str(node: ast.AST | None, facts: FileFacts, fn: FunctionFacts | None = None) -> str | None:
    if isinstance(node, ast.Name):
        values = (fn.assigned.get(node.id) if fn else None) or (
            [facts.module_names[node.id]] if node.id in facts.module_names else [])
        return const_str(values[0]) if len(values) == 1 else None
    return const_str(node)


def _state_writes(facts: FileFacts, fn: FunctionFacts, helpers: bool = True) -> Iterator[
        tuple[ast.Call, ast.expr | None, ast.expr | None]]:
    """(call, key, value) for every write of state: a store's set, Variable.set, xcom_push.

    A call of a helper defined in the file that sets a store counts too (`cursor.advance(link)`): its
    key is the helper's (None when not a constant) and its value what the call passes.
    """
    for call in facts.calls(fn):
        if call_name(call) == "set" and facts.store_call(call, fn):
            yield call, _arg(call, 0, "key"), _arg(call, 1, "value")
        elif _is_variable_call(facts, call, "set") or _is_variable_call(facts, call, "update"):
            yield call, _arg(call, 0, "key"), _arg(call, 1, "value")
        elif call_name(call) == "xcom_push":
            yield call, _arg(call, 0, "key"), _arg(call, 1, "value")
        elif helpers and call.args and not (isinstance(call.func, ast.Name) and call.func.id in facts.classes):
            for callee in facts.callees(call, fn):
                inner = [(k, callee) for c, k, _ in _state_writes(facts, callee, helpers=False)
                         if facts.store_call(c, callee)]
                if inner:
                    key = _resolve_str(inner[0][0], facts, callee)
                    value = call.args[0] if len(call.args) == 1 else ast.Tuple(elts=list(call.args), ctx=ast.Load())
                    yield call, (ast.Constant(key) if key is not None else None), value
                    break


SQL_VERBS = ("INSERT", "COPY", "MERGE", "UPSERT", "REPLACE", "CREATE", "TRUNCATE", "DELETE", "UPDATE")


def _sql_text(call: ast.Call, facts: FileFacts) -> str:
    """The first SQL statement among a call's arguments (module constants followed), upper-cased."""
    for arg in call.args + [k.value for k in call.keywords]:
        for node in ast.walk(arg):
            if isinstance(node, ast.Name) and node.id in facts.module_names:
                node = facts.module_names[node.id]
            if isinstance(node, ast.JoinedStr):
                node = next((v for v in node.values if isinstance(v, ast.Constant)), None)
            text = " ".join((const_str(node) or "").split()).upper()
            if text.startswith(SQL_VERBS):
                return text
    return ""


def _sql_kind(sql: str) -> str | None:
    if sql.startswith(("MERGE", "UPSERT", "REPLACE", "INSERT OVERWRITE", "INSERT OR REPLACE", "CREATE OR REPLACE",
                       "TRUNCATE", "DELETE")) or "ON CONFLICT" in sql or "ON DUPLICATE KEY" in sql:
        return "idempotent"
    if sql.startswith(("INSERT", "COPY")):
        return "append"
    return "other" if sql else None


def _write_kind(call: ast.Call, facts: FileFacts, fn: FunctionFacts, depth: int = 0) -> str | None:
    """"append", "idempotent", "other" for a call that writes data somewhere; None for anything else.

    A function defined in the file is judged by the writes in its body, not by its name.
    """
    if facts.store_call(call, fn) or _is_variable_call(facts, call, "set") or call_name(call) == "xcom_push":
        return None
    if _in_memory(call, facts, fn):
        return None
    callees = facts.callees(call, fn)
    if callees and depth <= 3:
        kinds = {_write_kind(c, facts, callee, depth + 1) for callee in callees for c in facts.calls(callee)}
        found = next((k for k in ("append", "other", "idempotent") if k in kinds), None)
        if found:
            return found
    sql = _sql_kind(_sql_text(call, facts))
    if sql:
        return sql
    name = call_name(call)
    if name == "to_sql":
        mode = const_str(keyword(call, "if_exists"))
        return "append" if mode == "append" else "idempotent"
    w = words(name)
    if w & IDEMPOTENT_WORDS:
        return "idempotent"
    if w & APPEND_WORDS:
        return "append"
    if w & SINK_WORDS:
        return "other"
    return None


BUFFERS = {"BytesIO", "StringIO", "bytearray"}
MEMORY = BUFFERS | {"list", "dict", "set", "deque", "defaultdict", "Counter"}


def _in_memory(call: ast.Call, facts: FileFacts, fn: FunctionFacts) -> bool:
    """`batch.append(x)`, `pq.write_table(t, buf)`: the write goes to a local list or buffer, not a sink."""
    def local(node: ast.AST, containers: bool) -> bool:
        return isinstance(node, ast.Name) and any(
            (containers and isinstance(v, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)))
            or (isinstance(v, ast.Call) and call_name(v) in (MEMORY if containers else BUFFERS))
            for v in fn.assigned.get(node.id, []))
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    return local(receiver, True) or any(local(a, False) for a in call.args)


def _derives(facts: FileFacts, fn: FunctionFacts, expr: ast.AST, test) -> bool:
    return any(test(sub) for node in facts.origins(expr, fn) for sub in ast.walk(node))


# -- RS101 / RS102: XCom as a checkpoint --------------------------------------------------------------
def xcom_checkpoint(facts: FileFacts) -> Iterator[Hit]:
    for fn in facts.task_code():
        own = facts.reached_by(fn)
        for call in facts.calls(fn):
            name = call_name(call)
            if name == "xcom_pull":
                if keyword(call, "include_prior_dates") or keyword(call, "run_id") or keyword(call, "dag_id"):
                    continue
                ids = _arg(call, 0, "task_ids")
                if ids is None or (isinstance(ids, ast.Constant) and ids.value is None):
                    yield "RS101", call
                elif isinstance(ids, (ast.List, ast.Tuple)):
                    if {_resolve_str(e, facts, fn) for e in ids.elts} & own:
                        yield "RS101", call
                elif _resolve_str(ids, facts, fn) in own or dotted(ids).endswith(".task_id"):
                    yield "RS101", call
            elif name == "xcom_push" and facts.in_loop(call, fn) and _resolve_str(_arg(call, 0, "key"), facts, fn):
                yield "RS102", call


# -- RS201: Variables as progress ------------------------------------------------------------------------
def variable_progress(facts: FileFacts) -> Iterator[Hit]:
    read_keys, read_exprs = set(), set()
    for fn in facts.functions:
        for call in facts.calls(fn):
            if _is_variable_call(facts, call, "get"):
                key = _arg(call, 0, "key")
                read_keys.add(_resolve_str(key, facts, fn))
                read_exprs.add(ast.dump(key) if key is not None else "")
    for fn in facts.task_code():
        submits = facts.submit_names(fn)
        for call in facts.calls(fn):
            if not (_is_variable_call(facts, call, "set") or _is_variable_call(facts, call, "update")):
                continue
            key_node = _arg(call, 0, "key")
            key = _resolve_str(key_node, facts, fn)
            value = _arg(call, 1, "value")
            roots = facts.roots(value, fn) if value is not None else set()
            read_back = (key is not None and key in read_keys) or (key_node is not None and ast.dump(key_node) in read_exprs)
            one_key = key is not None or not (facts.roots(key_node, fn) & fn.loop_vars)  # not a key per item
            moved_in_loop = one_key and (facts.in_loop(call, fn) or bool(roots & fn.loop_vars))
            if read_back or moved_in_loop or roots & submits:
                yield "RS201", call


# -- RS301: the wall clock as a watermark -----------------------------------------------------------------
def wall_clock_watermark(facts: FileFacts) -> Iterator[Hit]:
    read_back = _read_keys(facts)
    for fn in facts.task_code():
        for call, key, value in _state_writes(facts, fn):
            if value is None:
                continue
            name = _resolve_str(key, facts, fn)
            if name is not None and name not in read_back and not (words(name.replace(".", "_")) & WATERMARK_WORDS):
                continue  # a time kept for the record ("started_at"), not a position to resume from
            if any(is_wall_clock(node) for node in facts.scalar_origins(value, fn)):
                yield "RS301", call


# -- RS401 / RS402 / RS403: external jobs ------------------------------------------------------------------
def unpersisted_job(facts: FileFacts) -> Iterator[Hit]:
    for fn in facts.functions:
        if "ResumableJobMixin" in facts.class_bases(fn.cls):
            if fn.node.name == "execute" and not any(call_name(c) == "execute_resumable" for c in facts.calls(fn)):
                yield "RS401", fn.node  # the mixin's methods, called around the part that stores the id
            continue
        if not fn.is_task_code:
            continue
        submits = facts.submit_names(fn)
        if not submits:
            continue
        kept = waited = False
        writes = {c for c, _, _ in _state_writes(facts, fn) if call_name(c) != "xcom_push"}  # cleared each try
        first_submit = min(c.lineno for c in facts.submit_calls(fn))
        for call in facts.calls(fn):
            uses = set().union(*(facts.roots(a, fn) for a in call.args + [k.value for k in call.keywords]))
            if not uses & submits:
                continue
            if call in writes or call_name(call) == "defer":
                kept = True
            elif words(call_name(call)) & WAIT_WORDS and call.lineno > first_submit:
                waited = True  # (a look-up before submitting is how an idempotent submission checks first)
        if waited and not kept:
            yield "RS401", facts.submit_calls(fn)[0]


def job_id_in_asset_state(facts: FileFacts) -> Iterator[Hit]:
    for fn in facts.task_code():
        submits = facts.submit_names(fn)
        for call in facts.calls(fn):
            store = facts.store_call(call, fn)
            value = _arg(call, 1, "value")
            if store and store.kind == "asset" and call_name(call) == "set" and value is not None and (
                facts.roots(value, fn) & submits or _derives(facts, fn, value, facts.is_submit_call)
            ):
                yield "RS404", call


def not_durable(facts: FileFacts) -> Iterator[Hit]:
    for node in facts.nodes:
        if isinstance(node, ast.ClassDef) and "ResumableJobMixin" in facts.class_bases(node):
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and any(dotted(t) == "durable" for t in stmt.targets) and \
                        isinstance(stmt.value, ast.Constant) and stmt.value.value is False:
                    yield "RS402", stmt
        if isinstance(node, ast.Call):
            durable = keyword(node, "durable")
            if isinstance(durable, ast.Constant) and durable.value is False:
                yield "RS402", node
            if call_name(node) == "setdefault" and len(node.args) == 2 and const_str(node.args[0]) == "durable" \
                    and isinstance(node.args[1], ast.Constant) and node.args[1].value is False:
                yield "RS402", node  # kwargs.setdefault("durable", False)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value is False and \
                any(isinstance(t, ast.Subscript) and const_str(t.slice) == "durable" for t in node.targets):
            yield "RS402", node  # kwargs["durable"] = False
        if isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values):
                if const_str(k) == "durable" and isinstance(v, ast.Constant) and v.value is False:
                    yield "RS402", node


def pending_not_active(facts: FileFacts) -> Iterator[Hit]:
    for fn in facts.functions:
        if fn.node.name != "is_job_active":
            continue
        for node in facts.own_nodes(fn):
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Compare) and len(node.value.ops) == 1:
                op, right = node.value.ops[0], node.value.comparators[0]
                if isinstance(op, ast.Eq):
                    names = {const_str(right) or const_str(node.value.left)}
                elif isinstance(op, ast.In):
                    seq = right
                    if isinstance(seq, ast.Name) and seq.id in facts.module_names:
                        seq = facts.module_names[seq.id]
                    if not isinstance(seq, (ast.Tuple, ast.List, ast.Set)):
                        continue
                    names = {const_str(e) for e in seq.elts}
                else:
                    continue
                if None in names:
                    continue
                if not any(part in n.lower() for n in names for part in PENDING_PARTS):
                    yield "RS403", node


def poll_returns_nothing(facts: FileFacts) -> Iterator[Hit]:
    for fn in facts.functions:
        if fn.cls is None or fn.node.name != "poll_until_complete":
            continue
        returns = [n for n in facts.own_nodes(fn) if isinstance(n, ast.Return)]
        if not any(r.value is not None and not (isinstance(r.value, ast.Constant) and r.value.value is None)
                   for r in returns):
            yield "RS405", fn.node


# -- RS501 / RS502: state in the worker ------------------------------------------------------------------
def _mutable(value: ast.AST | None) -> bool:
    if isinstance(value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)):
        return True
    return isinstance(value, ast.Call) and call_name(value) in MUTABLE_FACTORIES


def _class_attr(facts: FileFacts, fn: FunctionFacts, owner: str, attr: str) -> ast.AST | None:
    cls = fn.cls if owner == "cls" else facts.classes.get(owner)
    for stmt in cls.body if cls else []:
        for target, value in ((t, s.value) for s in [stmt] if isinstance(s, (ast.Assign, ast.AnnAssign))
                              for t in (s.targets if isinstance(s, ast.Assign) else [s.target])):
            if dotted(target) == attr:
                return value
    return None


def _process_state_target(facts: FileFacts, fn: FunctionFacts, target: ast.AST, globals_: set[str]) -> bool:
    """Is `target` (what a task mutates) memory that outlives the call but not the process?"""
    name = dotted(target)
    if name.startswith("os.environ"):
        return True
    parts = name.split(".")
    if not parts[0]:
        return False
    local = parts[0] in fn.assigned or parts[0] in {a.arg for a in _args(fn)}
    if len(parts) == 1:
        return parts[0] in globals_ or (not local and _mutable(facts.module_names.get(parts[0])))
    if len(parts) == 2 and (parts[0] == "cls" or (parts[0] in facts.classes and not local)):
        return _mutable(_class_attr(facts, fn, parts[0], parts[1]))
    return False


def _args(fn: FunctionFacts) -> list[ast.arg]:
    a = fn.node.args
    return a.posonlyargs + a.args + a.kwonlyargs + [x for x in (a.vararg, a.kwarg) if x]


def process_state(facts: FileFacts) -> Iterator[Hit]:
    for fn in facts.task_code():
        globals_ = {n for node in facts.own_nodes(fn) if isinstance(node, ast.Global) for n in node.names}
        for node in facts.own_nodes(fn):
            targets: list[ast.AST] = []
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
                for t in node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]:
                    if isinstance(t, ast.Subscript):
                        targets.append(t.value)
                    elif isinstance(t, ast.Name) and t.id in globals_:
                        targets.append(t)
                    elif isinstance(t, ast.Attribute) and dotted(t.value) in facts.classes:
                        targets.append(t)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
                targets.append(node.func.value)
            elif isinstance(node, ast.Call) and dotted(node.func) == "os.putenv":
                yield "RS501", node
            if any(_process_state_target(facts, fn, t, globals_) for t in targets):
                yield "RS501", node


def _path_key(facts: FileFacts, fn: FunctionFacts, expr: ast.AST | None) -> str | None:
    if expr is None:
        return None
    if isinstance(expr, ast.Call) and call_name(expr) in {"Path", "PurePath"} and expr.args:
        return _path_key(facts, fn, expr.args[0])
    if isinstance(expr, ast.Name):
        values = fn.assigned.get(expr.id) or ([facts.module_names[expr.id]] if expr.id in facts.module_names else [])
        if len(values) == 1:
            return _path_key(facts, fn, values[0])
    return ast.dump(expr)


def _file_ops(facts: FileFacts, fn: FunctionFacts, depth: int = 0) -> Iterator[tuple[str, bool, ast.Call]]:
    """(path, is_write, call) in the order a call of `fn` makes them, helpers' file operations included."""
    for call in sorted(facts.calls(fn), key=lambda c: (c.lineno, c.col_offset)):
        name = call_name(call)
        path: str | None = None
        if name == "open" and isinstance(call.func, ast.Name):
            mode = const_str(_arg(call, 1, "mode")) or "r"
            path, is_write = _path_key(facts, fn, _arg(call, 0, "file")), bool(set(mode) & set("wax+"))
        elif name in {"read_text", "read_bytes", "exists", "is_file", "write_text", "write_bytes"} and \
                isinstance(call.func, ast.Attribute) and not dotted(call.func).startswith("os.path"):
            path, is_write = _path_key(facts, fn, call.func.value), name.startswith("write")
        elif name in {"exists", "isfile"} and dotted(call.func).startswith("os.path"):
            path, is_write = _path_key(facts, fn, _arg(call, 0, "path")), False
        elif depth < 3:
            for callee in facts.callees(call, fn):
                yield from _file_ops(facts, callee, depth + 1)
        if path is not None:
            yield path, is_write, call


def local_file_state(facts: FileFacts) -> Iterator[Hit]:
    for fn in facts.functions:
        if not fn.task_ids:
            continue
        read: set[str] = set()
        for path, is_write, call in _file_ops(facts, fn):
            if not is_write:
                read.add(path)
            elif path in read:
                yield "RS502", call  # read at the start, written as it goes: progress in a file


# -- RS601 / RS602: the order and kind of writes -----------------------------------------------------------
def _read_keys(facts: FileFacts) -> set[str | None]:
    """Keys the file reads back: a store's or Variable's get, xcom_pull's key."""
    return {_resolve_str(keyword(c, "key") if call_name(c) == "xcom_pull" else _arg(c, 0, "key"), facts, fn)
            for fn in facts.functions for c in facts.calls(fn) if call_name(c) in {"get", "xcom_pull"}}


def checkpoint_order(facts: FileFacts) -> Iterator[Hit]:
    read_back = _read_keys(facts)
    for fn in facts.task_code():
        late = _fetched_names(facts, fn)
        for call, key, value in _state_writes(facts, fn):
            name = _resolve_str(key, facts, fn)
            if value is None or (name is not None and name not in read_back):
                continue  # a marker nothing resumes from (an "in flight" note) is no checkpoint
            covers = facts.roots(value, fn) & late
            if not covers:
                continue
            if _later_write(facts, fn, call, covers):
                yield "RS601", call


def _fetched_names(facts: FileFacts, fn: FunctionFacts) -> set[str]:
    """Names bound in a loop, or after the first read of state: the data a checkpoint can cover.

    A window computed from the task's parameters before anything is read is
    shared by the checkpoint and the write without being what was written.
    """
    reads = [c.lineno for c in facts.calls(fn) if call_name(c) in {"get", "xcom_pull"} and
             (facts.store_call(c, fn) or _is_variable_call(facts, c, "get") or call_name(c) == "xcom_pull")]
    first = min(reads, default=0)
    return {name for name, values in fn.assigned.items()
            if name in fn.loop_vars or any(facts.in_loop(v, fn) or v.lineno > first for v in values)}


def _later_write(facts: FileFacts, fn: FunctionFacts, node: ast.AST, covers: set[str]) -> bool:
    """Does a statement after `node`'s, up to the end of the enclosing loop body, write data `covers` describes?"""
    child, parent = node, facts.parents.get(node)
    while parent is not None:
        for body in ("body", "orelse", "finalbody"):
            stmts = getattr(parent, body, None)
            if isinstance(stmts, list) and child in stmts:
                for later in stmts[stmts.index(child) + 1:]:
                    for sub in ast.walk(later):
                        if isinstance(sub, ast.Call) and _write_kind(sub, facts, fn):
                            args = sub.args + [k.value for k in sub.keywords]
                            if any(facts.roots(a, fn) & covers for a in args):
                                return True
        if parent is fn.node or isinstance(parent, (ast.For, ast.AsyncFor, ast.While)):
            return False
        child, parent = parent, facts.parents.get(parent)
    return False


def asset_state_race(facts: FileFacts) -> Iterator[Hit]:
    mapped = {dotted(n.func.value) for n in facts.all_calls
              if isinstance(n.func, ast.Attribute) and n.func.attr in {"expand", "expand_kwargs"}}
    mapped |= {m.split(".")[0] for m in mapped}  # load.partial(...).expand(...)
    for fn in facts.functions:
        if not (fn.task_ids & mapped or fn.node.name in mapped):
            continue
        for call in facts.calls(fn):
            store = facts.store_call(call, fn)
            if not (store and store.kind == "asset" and call_name(call) == "set"):
                continue
            key = _resolve_str(_arg(call, 0, "key"), facts, fn)
            value = _arg(call, 1, "value")

            def same_key_read(node: ast.AST) -> bool:
                return isinstance(node, ast.Call) and call_name(node) == "get" and \
                    facts.store_call(node, fn) is not None and _resolve_str(_arg(node, 0, "key"), facts, fn) == key
            if key is not None and value is not None and _derives(facts, fn, value, same_key_read):
                yield "RS604", call


def cleared_at_start(facts: FileFacts) -> Iterator[Hit]:
    for fn in facts.task_code():
        calls = sorted(facts.calls(fn), key=lambda c: (c.lineno, c.col_offset))
        task_calls = [(c, call_name(c)) for c in calls if (s := facts.store_call(c, fn)) and s.kind == "task"]
        reads = [c for c, name in task_calls if name == "get"]
        for call, name in task_calls:
            if reads and call.lineno < reads[0].lineno and (
                (name == "clear" and not call.args) or
                (name == "delete" and _resolve_str(_arg(call, 0, "key"), facts, fn) in
                 {_resolve_str(_arg(r, 0, "key"), facts, fn) for r in reads})
            ):
                yield "RS603", call


def append_after_cursor(facts: FileFacts) -> Iterator[Hit]:
    for fn in facts.task_code():
        calls = list(facts.calls(fn))
        read = {_resolve_str(_arg(c, 0, "key"), facts, fn) for c in calls if call_name(c) == "get" and facts.store_call(c, fn)}
        moved = {_resolve_str(_arg(c, 0, "key"), facts, fn) for c in calls if call_name(c) == "set" and facts.store_call(c, fn)}
        if not read & moved:
            continue  # nothing resumes here
        for call in calls:
            if _write_kind(call, facts, fn) == "append":
                yield "RS602", call


# -- RS701 / RS702 / RS703 / RS704: what fails at run time on 3.3 -------------------------------------------
def _non_json(facts: FileFacts, fn: FunctionFacts, value: ast.AST, depth: int = 0) -> bool:
    if depth > 5:
        return False
    if isinstance(value, ast.Constant):
        return value.value is None or isinstance(value.value, bytes)
    if isinstance(value, (ast.Tuple, ast.Set, ast.SetComp)):
        return True
    if isinstance(value, ast.Call):
        return call_name(value) in NON_JSON_CALLS or is_wall_clock(value)
    if isinstance(value, ast.Dict):
        return any(_non_json(facts, fn, v, depth + 1) for v in value.values if v is not None)
    if isinstance(value, ast.List):
        return any(_non_json(facts, fn, v, depth + 1) for v in value.elts)
    if isinstance(value, ast.Name):
        values = [(v, fn) for v in fn.assigned.get(value.id, [])] or fn.param_values.get(value.id, [])
        return bool(values) and all(_non_json(facts, scope, v, depth + 1) for v, scope in values)
    return False


def run_time_errors(facts: FileFacts) -> Iterator[Hit]:
    for fn in facts.functions:
        for call in facts.calls(fn):
            store = facts.store_call(call, fn)
            if store is None:
                continue
            name = call_name(call)
            if name == "set":
                value = _arg(call, 1, "value")
                if value is not None and _non_json(facts, fn, value):
                    yield "RS701", call
                retention = keyword(call, "retention")
                if store.kind == "task" and retention is not None and _numeric(facts, fn, retention):
                    yield "RS702", call
            if store.kind == "task" and (name in MISSING_ON_33 or (name == "clear" and call.keywords)):
                yield "RS704", call
        if fn.task_call is not None and _uses_asset_store(facts, fn) and not _declares_assets(facts, fn):
            yield "RS703", fn.node


def _numeric(facts: FileFacts, fn: FunctionFacts, node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    if isinstance(node, ast.BinOp):
        return _numeric(facts, fn, node.left) and _numeric(facts, fn, node.right)
    if isinstance(node, ast.Name):
        values = fn.assigned.get(node.id) or ([facts.module_names[node.id]] if node.id in facts.module_names else [])
        return len(values) == 1 and _numeric(facts, fn, values[0])
    return False


def _uses_asset_store(facts: FileFacts, fn: FunctionFacts) -> bool:
    for node in facts.own_nodes(fn):
        if isinstance(node, ast.Name) and node.id == "asset_state_store" and isinstance(node.ctx, ast.Load):
            return True
        if isinstance(node, ast.Subscript) and const_str(node.slice) == "asset_state_store":
            return True
    return False


def _declares_assets(facts: FileFacts, fn: FunctionFacts) -> bool:
    call = fn.task_call
    if any(p in {"asset", "multi_asset"} for p in dotted(call.func).split(".")):
        return True
    if keyword(call, "inlets") is not None or keyword(call, "outlets") is not None:
        return True
    for node in facts.all_calls:  # load.override(outlets=...), load.partial(inlets=...)
        if isinstance(node.func, ast.Attribute) and \
                node.func.attr in {"override", "partial"} and dotted(node.func.value) == fn.node.name and \
                (keyword(node, "inlets") is not None or keyword(node, "outlets") is not None):
            return True
    return False


CHECKS = (xcom_checkpoint, variable_progress, wall_clock_watermark, unpersisted_job, job_id_in_asset_state,
          not_durable, pending_not_active, poll_returns_nothing, process_state, local_file_state, checkpoint_order,
          asset_state_race, cleared_at_start, append_after_cursor, run_time_errors)
