"""A workshop on a real JupyterHub (``make workshop``): learner accounts, an instructor, an nbgrader exchange.

Why these parts: JupyterHub is what classes run Jupyter on, so a workshop on it
is one an instructor can move to The Littlest JupyterHub or Zero to JupyterHub
with the same settings. Accounts log in with JupyterHub's shared-password
authenticator (one password for learners, a long one for the instructor, who is
the hub's admin); every user's server runs this course environment in a home of
its own (``SimpleLocalProcessSpawner``: one system account, private folders), so
each learner's sandbox, Airflow caches and stack ports are their own. nbgrader's
exchange is a folder the learners' Assignment List and the instructor's
``make release`` / ``collect`` / ``return-feedback`` share. Everything binds
127.0.0.1 and stops with the hub.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from retrylab.manifest import COURSE

COURSE_ID = "retry-safe-airflow"
PROXY = COURSE / "workshop" / "node_modules" / ".bin" / "configurable-http-proxy"
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def exchange_root(root: Path) -> Path:
    return root / "exchange"


def learner_config(root: Path) -> str:
    """Each user's nbgrader_config.py (read from their home, where their server starts)."""
    return (
        "import os\n"
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
        "# All servers run as one system account: submissions carry the hub's name for the learner.\n"
        "c.CourseDirectory.student_id = os.environ.get('JUPYTERHUB_USER', '*')\n"
        f"c.Exchange.root = {str(exchange_root(root))!r}\n"
        f"load_subconfig({str(COURSE / 'notebooks' / 'nbgrader_config.py')!r})  # noqa: F821 - cell time limits\n"
    )


@dataclass(frozen=True)
class Hub:
    """A running hub: its URL, the admin API token, and the accounts' passwords."""

    root: Path
    url: str
    api_token: str
    password: str
    instructor_password: str
    learners: tuple[str, ...]
    instructor: str
    process: subprocess.Popen

    # -- the hub's REST API ------------------------------------------------
    def api(self, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
        """Call the hub's REST API (``/hub/api`` + ``path``) or, with a full ``/user/...`` path, a user's server."""
        url = self.url + (path if path.startswith("/user/") else "/hub/api" + path)
        data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"token {token or self.api_token}")
        if body is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read().decode()
        return json.loads(text) if text.strip() else {}

    def start_server(self, user: str, timeout: float = 120.0) -> None:
        """Start ``user``'s server (as clicking "Start" does) and wait until it answers."""
        try:
            self.api("POST", f"/users/{user}/server")
        except urllib.error.HTTPError as exc:
            if exc.code != 400:  # 400: already running
                raise
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = self.api("GET", f"/users/{user}")
            if info.get("server") and not info.get("pending"):
                return
            time.sleep(0.5)
        raise TimeoutError(f"{user}'s server did not start within {timeout:.0f} s; see {self.root / 'hub.log'}")

    def user_token(self, user: str) -> str:
        return self.api("POST", f"/users/{user}/tokens", {"note": "workshop automation", "expires_in": 3600})["token"]

    def execute(self, user: str, code: str, timeout: float = 300.0) -> str:
        """Run ``code`` in a new kernel on ``user``'s server (Jupyter's websocket protocol); return its stdout.

        What a learner's notebook cell does, driven from outside: the tests and the sizing benchmark use it."""
        token = self.user_token(user)
        kernel = self.api("POST", f"/user/{user}/api/kernels", {"name": "python3"}, token=token)
        url = self.url.replace("http://", "ws://") + f"/user/{user}/api/kernels/{kernel['id']}/channels"
        try:
            return asyncio.run(_execute(url, token, code, timeout))
        finally:
            try:
                self.api("DELETE", f"/user/{user}/api/kernels/{kernel['id']}", token=token)
            except urllib.error.HTTPError as exc:
                if exc.code != 404:  # 404: the kernel is gone already; keep the error that ended the run
                    raise

    def stop(self) -> None:
        """Stop the hub, which stops every user's server and the proxy; then sweep what is left."""
        import psutil

        try:
            family = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            family = []
        servers = learner_processes(self.root)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        for proc in [*family, *servers]:
            try:
                for child in proc.children(recursive=True):
                    child.kill()
                proc.kill()
            except psutil.NoSuchProcess:
                pass


async def _execute(url: str, token: str, code: str, timeout: float) -> str:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    # The server answers the websocket only once the kernel is up: on a busy machine that takes longer than
    # tornado's 20-s default (CI saw it), so the connection gets the run's own time limit.
    request = HTTPRequest(url, headers={"Authorization": f"token {token}"}, connect_timeout=timeout, request_timeout=timeout)
    ws = await websocket_connect(request)
    msg_id = uuid.uuid4().hex
    header = {"msg_id": msg_id, "username": "workshop", "session": uuid.uuid4().hex, "msg_type": "execute_request", "version": "5.3"}
    content = {"code": code, "silent": False, "store_history": False, "user_expressions": {}, "allow_stdin": False}
    ws.write_message(json.dumps({"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": "shell", "buffers": []}))
    out: list[str] = []
    try:
        while True:
            raw = await asyncio.wait_for(ws.read_message(), timeout)
            if raw is None:
                raise RuntimeError("the kernel's websocket closed")
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                raise RuntimeError("\n".join(msg["content"]["traceback"])[-3000:])
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return "".join(out)
    finally:
        ws.close()


def learner_processes(root: Path, user: str | None = None) -> list:
    """The processes ``user``'s server runs (its kernels, graders, workers), or every user's: they carry the
    user's HOME under the workshop's ``home/``."""
    import psutil

    homes = root / "home"
    found = []
    for proc in psutil.process_iter(["environ"]):
        try:
            home = Path((proc.info.get("environ") or {}).get("HOME", ""))
        except Exception:
            continue
        if (home == homes / user) if user else (home.parent == homes):
            found.append(proc)
    return found


def config(root: Path, port: int, learners: tuple[str, ...], instructor: str) -> str:
    """jupyterhub_config.py for a workshop in ``root`` (secrets come from the environment)."""
    venv_bin = Path(sys.executable).parent
    return f'''"""JupyterHub for a Retry-Safe Airflow workshop (written by `make workshop`)."""
import os

c = get_config()  # noqa: F821
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {free_port()}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{free_port()}"
c.ConfigurableHTTPProxy.command = [{str(PROXY)!r}]
c.ConfigurableHTTPProxy.auth_token = os.environ["RETRYLAB_PROXY_TOKEN"]
c.JupyterHub.db_url = "sqlite:///{root / "jupyterhub.sqlite"}"
c.JupyterHub.cookie_secret_file = "{root / "jupyterhub_cookie_secret"}"
c.JupyterHub.pid_file = "{root / "jupyterhub.pid"}"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# Accounts: a shared password for learners, a long one for the instructor (the hub's admin).
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = os.environ["RETRYLAB_WORKSHOP_PASSWORD"]
c.SharedPasswordAuthenticator.admin_password = os.environ["RETRYLAB_INSTRUCTOR_PASSWORD"]
c.Authenticator.allowed_users = {set(learners)!r}
c.Authenticator.admin_users = {{{instructor!r}}}

# The course environment for every user, each in a home of its own.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{root / "home" / "{username}"}"
c.Spawner.cmd = [{str(venv_bin / "jupyterhub-singleuser")!r}]
c.Spawner.default_url = "/lab"
c.Spawner.args = {["--allow-root"] if os.geteuid() == 0 else []!r}  # a container's root user, as make lab allows
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120
c.Spawner.environment = {{"PATH": {str(venv_bin)!r} + os.pathsep + os.environ.get("PATH", "")}}

# The instructor's scripts (make workshop's own checks, the tests) use this token.
c.JupyterHub.services = [{{"name": "workshop", "api_token": os.environ["RETRYLAB_HUB_API_TOKEN"]}}]
c.JupyterHub.load_roles = [{{"name": "workshop", "scopes": ["admin:users", "admin:servers", "tokens", "access:servers"], "services": ["workshop"]}}]
'''


def prepare(root: Path, learners: tuple[str, ...], instructor: str) -> None:
    """The hub's folder: an exchange everyone can write, a home per user with the course's notebooks and config."""
    exchange = exchange_root(root)
    exchange.mkdir(parents=True, exist_ok=True)
    exchange.chmod(0o777)  # nbgrader's exchange: learners submit into it
    for user in (*learners, instructor):
        home = root / "home" / user
        home.mkdir(parents=True, exist_ok=True)
        (home / "nbgrader_config.py").write_text(learner_config(root))


def start(
    root: Path,
    learners: tuple[str, ...],
    instructor: str = "instructor",
    *,
    port: int | None = None,
    password: str | None = None,
) -> Hub:
    """Start a hub for ``learners`` and ``instructor`` in ``root`` and wait until it answers."""
    if not PROXY.exists():
        raise FileNotFoundError(f"JupyterHub's proxy is not installed: run `npm ci --prefix {PROXY.parents[2]}` (make workshop does)")
    root = Path(root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    prepare(root, learners, instructor)
    port = port or free_port()
    (root / "jupyterhub_config.py").write_text(config(root, port, learners, instructor))
    hub_env = {
        "RETRYLAB_WORKSHOP_PASSWORD": password or secrets.token_urlsafe(9),
        "RETRYLAB_INSTRUCTOR_PASSWORD": secrets.token_urlsafe(32),
        "RETRYLAB_HUB_API_TOKEN": secrets.token_hex(32),
        "RETRYLAB_PROXY_TOKEN": secrets.token_hex(32),
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "RETRYLAB_WORLD", "JUPYTER"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    log = open(root / "hub.log", "a")  # noqa: SIM115 - handed to the child
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(root / "jupyterhub_config.py")],
        cwd=root,
        env={**env, **hub_env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    hub = Hub(
        root,
        f"http://127.0.0.1:{port}",
        hub_env["RETRYLAB_HUB_API_TOKEN"],
        hub_env["RETRYLAB_WORKSHOP_PASSWORD"],
        hub_env["RETRYLAB_INSTRUCTOR_PASSWORD"],
        tuple(learners),
        instructor,
        process,
    )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterHub exited (code {process.returncode}); see {root / 'hub.log'}")
        try:
            hub.api("GET", "/")
            return hub
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    hub.stop()
    raise TimeoutError(f"JupyterHub did not answer within {START_TIMEOUT:.0f} s; see {root / 'hub.log'}")


def main(argv: list[str] | None = None) -> int:
    """``make workshop``: a hub for the learners named in LEARNERS until Ctrl-C."""
    import argparse

    parser = argparse.ArgumentParser(prog="make workshop", description=__doc__.splitlines()[0])
    parser.add_argument("--learners", default="learner1,learner2,learner3", help="comma-separated account names")
    parser.add_argument("--instructor", default="instructor")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--root", default=str(COURSE / "workshop" / "run"))
    args = parser.parse_args(argv)
    learners = tuple(n.strip() for n in args.learners.split(",") if n.strip())
    password = os.environ.get("RETRYLAB_WORKSHOP_PASSWORD")
    hub = start(Path(args.root), learners, args.instructor, port=args.port, password=password)
    print(f"JupyterHub is up at {hub.url} for {', '.join(learners)} and {args.instructor} (admin).")
    print(f"Learners' password: {hub.password}")
    print(f"Instructor's password: {hub.instructor_password}")
    print(f"nbgrader exchange: {exchange_root(hub.root)}  (make release / collect / return-feedback use it)")
    print("Ctrl-C stops the hub and every server it started.")
    try:
        hub.process.wait()
    except KeyboardInterrupt:
        print("\nStopping the hub ...")
    finally:
        hub.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

