"""The task's side of the world service: every world call, sent to a process the DAG's code never runs in.

Why: a grade must rest on evidence the graded code cannot write. When a
graded try runs, ``RETRYLAB_WORLD_SERVICE`` names the service's socket and
each public world function (``fetch_page``, ``transform_and_upsert``,
``BatchClient.submit``, ...) sends its name and arguments there instead of
touching the warehouse itself. The service decides who is calling (from the
socket's peer process, not from anything the task says), records the ledger,
and fires the planned crashes. Outside a graded run the same functions run
locally, as the lessons need.

Only JSON-like values cross the socket (dicts, lists, strings, numbers,
booleans, None, datetimes): nothing the service decodes can run code.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

SOCKET_ENV = "RETRYLAB_WORLD_SERVICE"

F = TypeVar("F", bound=Callable[..., Any])
REGISTRY: dict[str, Callable[..., Any]] = {}


class _Served(threading.local):
    """What the service knows while it handles one call (per handler thread)."""

    caller: Any = None  # a Caller resolved from the peer process
    world: Any = None  # the World the call acts on
    pid: int = 0  # the calling task process


SERVED = _Served()
_last_local = [0.0]  # monotonic time of this process's last world call run locally (a lesson's try)


def last_local_call() -> float:
    """When a lesson's try last called the world: its progress, for the lab's stall guard."""
    return _last_local[0]


def served(fn: F | None = None, *, posted: Callable[..., Any] | None = None) -> Any:
    """Mark a world function as one a task may call: remote in a graded try, local otherwise.

    ``posted`` (for functions that return nothing) gives the key of a call, e.g. a
    record's id: unless the service said a crash is planned at that key for
    this try, the call is sent without waiting for the answer. The service
    still handles every call, in order; only the round trip is saved.
    """
    if fn is None:
        return functools.partial(served, posted=posted)
    name = f"{fn.__module__}.{fn.__qualname__}"
    REGISTRY[name] = fn

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        client = _client()
        if client is None:
            _last_local[0] = time.monotonic()
            return fn(*args, **kwargs)
        if posted is not None and client.may_post(posted(*args, **kwargs)):
            return client.post(name, args, kwargs)
        return client.call(name, args, kwargs)

    return call


def record_key(record: Any, *_args: Any, **_kwargs: Any) -> Any:
    """The key of a write: its record's id (None, never posted, when it is not a record)."""
    return record.get("id") if isinstance(record, dict) and isinstance(record.get("id"), int) else None


def no_key(*_args: Any, **_kwargs: Any) -> Any:
    """A call no crash point sits on (a note, an order billed downstream): always posted."""
    return NO_CRASH


NO_CRASH = "-"
HELLO = "$hello"


# -- wire format ---------------------------------------------------------------
def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(
        f"a world call got a {type(value).__name__} ({value!r:.60}); pass plain values "
        "(records, ids, strings, numbers, lists, dicts)"
    )


def _hook(obj: dict) -> Any:
    if len(obj) == 1 and "$datetime" in obj:
        return datetime.fromisoformat(obj["$datetime"])
    return obj


def encode(message: Any) -> bytes:
    """One message per line (JSON never holds a raw newline)."""
    return json.dumps(message, default=_default, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes) -> Any:
    return json.loads(line, object_hook=_hook)


# -- the client in a task process ---------------------------------------------
class _Client:
    def __init__(self, path: str) -> None:
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.replies = self.sock.makefile("rb")
        self.sync_keys: set[Any] | None = None  # keys whose calls must wait (a crash is planned there)

    def may_post(self, key: Any) -> bool:
        if key is None:
            return False
        if self.sync_keys is None:
            self.sync_keys = set(self.call(HELLO, (), {}))
        return key == NO_CRASH or key not in self.sync_keys

    def post(self, name: str, args: tuple, kwargs: dict) -> None:
        request = encode({"fn": name, "args": list(args), "kwargs": kwargs, "post": True})
        with self.lock:
            self.sock.sendall(request)

    def call(self, name: str, args: tuple, kwargs: dict) -> Any:
        request = encode({"fn": name, "args": list(args), "kwargs": kwargs})
        with self.lock:
            self.sock.sendall(request)
            body = self.replies.readline()
        if not body:
            raise ConnectionError("the world service closed the connection (the grader stopped this try)")
        reply = decode(body)
        if "ok" in reply:
            return reply["ok"]
        kind, message = reply["error"]
        raise _error_class(kind)(message)


_CLIENT: _Client | None = None


def _client() -> _Client | None:
    """The connection of this process (a forked try opens its own), or None outside a graded try."""
    global _CLIENT
    path = os.environ.get(SOCKET_ENV)
    if not path or SERVED.world is not None:  # the service itself runs the functions locally
        return None
    if _CLIENT is None or _CLIENT.pid != os.getpid():
        _CLIENT = _Client(path)
    return _CLIENT


def _error_class(kind: str) -> type[BaseException]:
    from retrylab import faults
    from retrylab.world import batch, calls, state

    known: dict[str, type[BaseException]] = {
        "InjectedCrash": faults.InjectedCrash,
        "FaultPlanError": faults.FaultPlanError,
        "WorldError": state.WorldError,
        "RunawayLoop": calls.RunawayLoop,
        "JobNotFound": batch.JobNotFound,
        "JobNotFinished": batch.JobNotFinished,
        "TypeError": TypeError,
        "ValueError": ValueError,
        "KeyError": KeyError,
        "TimeoutError": TimeoutError,
    }
    return known.get(kind, RuntimeError)
