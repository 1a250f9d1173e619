"""A warm process that forks graders and try runners, so Airflow's start-up is paid once, not per submission.

Why: grading one submission starts a grader and a try runner, and each used
to import Airflow and build its in-process execution API (about 5 s of CPU a
submission, more than grading module 00 itself). The zygote does that once,
before it has imported any learner code or started a thread, then forks a
child per request. The child points Airflow at its own sandbox and is a
fresh process like any other: learner code only ever runs in children (and
the tries they fork), never in the zygote, so nothing one submission's DAG
does can reach another's.

Used when ``RETRYLAB_ZYGOTE`` names its socket (``make grade-class``,
``make autograde``, the test suite); without it, graders and runners start as
plain processes. Protocol (``SOCK_SEQPACKET``, one JSON message each way):
``{"module", "args", "env", "cwd"}`` (``python -m module args``) with the child's stdin, stdout and stderr
as passed file descriptors, answered by ``{"pid"}``, later ``{"exit"}`` (a
``Popen.returncode``). A client that disconnects first has its child's
process group killed.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import runpy
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

SOCKET_ENV = "RETRYLAB_ZYGOTE"
START_TIMEOUT = 90.0


# -- the zygote ---------------------------------------------------------------
def warm() -> None:
    """Import and build, in this thread, everything a grader and a try runner would at their start."""
    from retrylab import guards
    from retrylab.tries import runner

    guards.install_task_policy()
    runner.warm()
    import nbgrader.apps.api  # noqa: F401 - autograde's own process (``run``)
    import nbgrader.apps.nbgraderapp  # noqa: F401
    import sqlalchemy.orm

    import retrylab.grading  # noqa: F401 - the grader's checks
    import retrylab.tries.lab  # noqa: F401 - and its lab

    sqlalchemy.orm.configure_mappers()


def serve(path: Path, answers, starter: int) -> None:
    """Fork a child per request until the process that started the zygote goes away.

    ``answers`` (the starter's pipe) gets one ready line and is closed: no child inherits it."""
    # Not PR_SET_PDEATHSIG: it fires when the starting *thread* ends, and a zygote started from a worker thread
    # (the tests grade students in threads) would take every child with it mid-grade. The parent process is
    # watched instead (``starter``, its pid): when it dies, this process is handed to another parent.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    listener.bind(str(path))
    listener.listen(64)
    answers.write(json.dumps({"ready": True}) + "\n")
    answers.close()
    children: dict[int, socket.socket] = {}  # pid -> the client that asked for it
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ)
    try:
        while True:
            for key, _ in sel.select(timeout=0.1):
                if key.fileobj is listener:
                    client, _ = listener.accept()
                    _fork(client, listener, sel, children)
                else:  # a client went away (or spoke out of turn): its child goes with it
                    client = key.fileobj
                    sel.unregister(client)
                    for pid in [p for p, c in children.items() if c is client]:
                        _kill(pid)
            _reap(sel, children)
            if os.getppid() != starter:
                return  # whoever started the zygote is gone: so are its children (below)
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        for pid in children:
            _kill(pid)


def _kill(pid: int) -> None:
    """The child and its process group (it may not have made its own group yet)."""
    for kill in (os.killpg, os.kill):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill(pid, signal.SIGKILL)


def _fork(client: socket.socket, listener: socket.socket, sel: selectors.BaseSelector, children: dict) -> None:
    try:
        message, fds, _, _ = socket.recv_fds(client, 1 << 20, 3)
        request = json.loads(message)
    except (OSError, ValueError):
        client.close()
        return
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the zygote's loop
        code = 1
        try:
            listener.close()
            client.close()
            for other in children.values():
                other.close()
            code = _become(request, fds)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # noqa: BLE001 - reported in the child's own log
            traceback.print_exc()
        finally:
            with contextlib.suppress(BaseException):
                atexit._run_exitfuncs()  # what a normal exit runs (the grader closes its try runner)
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)
    for fd in fds:
        os.close(fd)
    children[pid] = client
    client.send(json.dumps({"pid": pid}).encode())
    sel.register(client, selectors.EVENT_READ)


def _reap(sel: selectors.BaseSelector, children: dict[int, socket.socket]) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        client = children.pop(pid, None)
        if client is None:
            continue
        with contextlib.suppress(OSError, KeyError, ValueError):
            sel.unregister(client)
            client.send(json.dumps({"exit": _returncode(status)}).encode())
        client.close()


def _returncode(status: int) -> int:
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def _become(request: dict[str, Any], fds: list[int]) -> int:
    """In the fresh child: take the client's pipes, environment and folder, point Airflow at them, and run."""
    os.setsid()
    for target, fd in zip((0, 1, 2), fds):
        os.dup2(fd, target)
        os.close(fd)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for name, fd in (("stdin", 0), ("stdout", 1), ("stderr", 2)):  # the zygote's own streams stay behind
        setattr(sys, name, os.fdopen(fd, "w", buffering=1, closefd=False) if fd else os.fdopen(fd, closefd=False))
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    if "AIRFLOW_HOME" in os.environ:  # a grader or a try runner, given its sandbox
        _retarget_airflow()
    sys.argv = [request["module"], *request["args"]]
    with warnings.catch_warnings():  # the zygote imported it to warm up: running it as __main__ is the point
        warnings.filterwarnings("ignore", "'.*' found in sys.modules after import", RuntimeWarning)
        runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
    return 0


def _retarget_airflow() -> None:
    """Airflow read its home, DAGs folder and database at import (the zygote's): read them again."""
    from airflow import configuration, settings

    home = os.environ["AIRFLOW_HOME"]
    configuration.AIRFLOW_HOME = home
    settings.AIRFLOW_HOME = home
    settings.dispose_orm(do_log=False)
    settings.configure_vars()
    settings.configure_orm()


# -- the client side ------------------------------------------------------------
class ForkedProcess:
    """A child of the zygote, answering the part of ``subprocess.Popen`` the grader and the try runner use."""

    def __init__(self, conn: socket.socket, pid: int, stdin, stdout) -> None:
        self._conn = conn
        self.pid = pid
        self.stdin = stdin
        self.stdout = stdout
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            with contextlib.suppress(BlockingIOError, InterruptedError):
                self._conn.setblocking(False)
                self._record(self._conn.recv(4096))
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self._conn.setblocking(True)
            self._conn.settimeout(timeout)
            try:
                self._record(self._conn.recv(4096))
            except TimeoutError:
                raise subprocess.TimeoutExpired(f"zygote child {self.pid}", timeout or 0) from None
        assert self.returncode is not None
        return self.returncode

    def kill(self) -> None:
        _kill(self.pid)

    def _record(self, message: bytes) -> None:
        # An empty read: the zygote itself is gone, and it took its children with it.
        self.returncode = json.loads(message)["exit"] if message else -signal.SIGKILL
        self._conn.close()


def spawn(module: str, args: list[str], env: dict[str, str], stderr, cwd: str | os.PathLike | None = None) -> ForkedProcess | None:
    """``python -m module args`` forked from the zygote ``env`` names, with text pipes like ``Popen(...,
    text=True, bufsize=1)``; ``stderr``: a file or a file descriptor. None when ``env`` names no running zygote
    (start a plain process)."""
    path = env.get(SOCKET_ENV)
    if not path or not Path(path).exists():
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        conn.connect(path)
    except OSError:
        conn.close()
        return None
    child_in, to_child = os.pipe()
    from_child, child_out = os.pipe()
    try:
        request = {"module": module, "args": args, "env": env, "cwd": str(cwd or os.getcwd())}
        err = stderr if isinstance(stderr, int) else stderr.fileno()
        socket.send_fds(conn, [json.dumps(request).encode()], [child_in, child_out, err])
        conn.settimeout(START_TIMEOUT)
        reply = conn.recv(4096)
    except OSError:
        conn.close()
        for fd in (to_child, from_child):
            os.close(fd)
        return None
    finally:
        os.close(child_in)
        os.close(child_out)
    if not reply:  # the zygote closed the connection without forking
        conn.close()
        for fd in (to_child, from_child):
            os.close(fd)
        return None
    return ForkedProcess(
        conn,
        json.loads(reply)["pid"],
        os.fdopen(to_child, "w", buffering=1),
        os.fdopen(from_child, "r", buffering=1),
    )


def python_process(
    module: str, args: list[str], env: dict[str, str], log_file: Path, *, stdin: int = subprocess.PIPE
) -> subprocess.Popen[str] | ForkedProcess:
    """``python -m module args`` in a session of its own, answering on a text pipe, its stderr appended to
    ``log_file``: forked from the zygote ``env`` names, else started cold."""
    with open(log_file, "a") as log:
        return spawn(module, args, env, log) or subprocess.Popen(
            [sys.executable, "-m", module, *args],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=log,
            env=env,
            text=True,
            bufsize=1,
            start_new_session=True,  # its own process group, stopped as one
        )


def wait_or_kill(proc: subprocess.Popen[str] | ForkedProcess, seconds: float) -> None:
    """Give a process ``seconds`` to end, then kill its process group."""
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def run(args: list[str], *, cwd: str | os.PathLike, env: dict[str, str], timeout: float | None = None) -> subprocess.CompletedProcess[str] | None:
    """``python -m MODULE ARGS`` (``args`` as for ``subprocess.run([sys.executable, *args])``) forked from the
    zygote, output captured; None when there is no zygote or ``args`` is not ``-m MODULE ...``."""
    if args[:1] != ["-m"]:
        return None
    err_read, err_write = os.pipe()
    try:
        child = spawn(args[1], args[2:], env, err_write, cwd)
    finally:
        os.close(err_write)
    if child is None:
        os.close(err_read)
        return None
    child.stdin.close()
    out: dict[int, list[bytes]] = {child.stdout.fileno(): [], err_read: []}
    deadline = None if timeout is None else time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        for fd in out:
            sel.register(fd, selectors.EVENT_READ)
        while sel.get_map():
            ready = sel.select(None if deadline is None else max(0.0, deadline - time.monotonic()))
            if not ready:
                child.kill()
                child.wait(10)
                raise subprocess.TimeoutExpired(args, timeout or 0)
            for key, _ in ready:
                chunk = os.read(key.fd, 1 << 16)
                if chunk:
                    out[key.fd].append(chunk)
                else:
                    sel.unregister(key.fd)
    stdout = b"".join(out[child.stdout.fileno()]).decode(errors="replace")
    child.stdout.close()
    os.close(err_read)
    return subprocess.CompletedProcess(args, child.wait(), stdout, b"".join(out[err_read]).decode(errors="replace"))


class Zygote:
    """A zygote for this process and what it starts (``with Zygote(): ...`` sets ``RETRYLAB_ZYGOTE``).

    Its socket and sandbox live in a short temporary folder (a Unix socket's path has at most 107 bytes);
    ``log_file`` keeps its log where the caller's other logs are."""

    def __init__(self, log_file: Path | None = None) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="retrylab-zygote-")
        self.folder = Path(self._tmp.name)
        self.socket = self.folder / "zygote.sock"
        self.log_file = Path(log_file) if log_file else self.folder / "zygote.log"
        self._proc: subprocess.Popen[str] | None = None
        self._previous: str | None = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> Zygote:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "RETRYLAB_WORLD", SOCKET_ENV))}
        proc = python_process("retrylab.tries.zygote", [str(self.folder)], env, self.log_file, stdin=subprocess.DEVNULL)
        assert isinstance(proc, subprocess.Popen) and proc.stdout is not None
        self._proc = proc
        with selectors.DefaultSelector() as sel:
            sel.register(self._proc.stdout, selectors.EVENT_READ)
            line = self._proc.stdout.readline() if sel.select(START_TIMEOUT) else ""
        if not line.startswith('{"ready"'):
            self.stop()
            raise RuntimeError(f"The grading zygote did not start; see {self.log_file}")
        self._previous = os.environ.get(SOCKET_ENV)
        os.environ[SOCKET_ENV] = str(self.socket)
        return self

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if os.environ.get(SOCKET_ENV) == str(self.socket):
            if self._previous is None:
                os.environ.pop(SOCKET_ENV, None)
            else:
                os.environ[SOCKET_ENV] = self._previous
        if proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGTERM)  # it kills its children on the way out
            wait_or_kill(proc, 10)
            if proc.stdout:
                proc.stdout.close()
        with contextlib.suppress(OSError):
            self._tmp.cleanup()

    def __enter__(self) -> Zygote:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


_SHARED: list[Zygote] = []
_SHARED_LOCK = threading.Lock()


def shared() -> Zygote:
    """This process's zygote (set in ``RETRYLAB_ZYGOTE``), started on first use and stopped at exit."""
    with _SHARED_LOCK:
        if not (_SHARED and _SHARED[0].running):
            _SHARED[:] = [Zygote().start()]
            atexit.register(_SHARED[0].stop)
        return _SHARED[0]


def main(folder: Path) -> None:
    """``python -m retrylab.tries.zygote FOLDER``: warm up in a sandbox of its own in FOLDER, then serve."""
    from retrylab import sandbox

    starter = os.getppid()
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # what Airflow prints at import goes to the log
    sandbox.activate(sandbox.create(folder / "home"))
    warm()
    serve(folder / "zygote.sock", answers, starter)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
