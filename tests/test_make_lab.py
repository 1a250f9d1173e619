"""`make lab` really serves the modules on 127.0.0.1 with the nbgrader extension, as root, with no browser;
a notebook opens unmodified in a real browser."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from tests.browser import CHROMIUM, seconds_until_modified
from tests.course_files import COURSE, fresh_copy


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def test_make_lab_serves_the_modules(tmp_path):
    course = fresh_copy(tmp_path / "course")  # `make lab` stamps the notebooks it serves: not the repository's
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    log = tmp_path / "lab.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            ["make", "lab", f"PORT={port}"], cwd=course, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        token = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and token is None:
            time.sleep(0.5)
            match = re.search(rf"http://127\.0\.0\.1:{port}/lab\?token=(\w+)", log.read_text())
            token = match.group(1) if match else None
        assert token, log.read_text()[-2000:]
        for _ in range(40):
            try:
                listing = get(f"http://127.0.0.1:{port}/api/contents?token={token}")
                break
            except OSError:
                time.sleep(0.5)
        names = {item["name"] for item in listing["content"]}
        assert {"00-orientation", "01-checkpoints"} <= names
        module = get(f"http://127.0.0.1:{port}/api/contents/01-checkpoints?token={token}")
        assert "01-checkpoints.ipynb" in {item["name"] for item in module["content"]}
        extensions = get(f"http://127.0.0.1:{port}/lab/api/extensions?token={token}")
        assert any("nbgrader" in ext["name"] and ext["enabled"] for ext in extensions)
        assert "--no-browser" in log.read_text()

        if CHROMIUM is None:
            pytest.skip("no chromium to open the notebook in")  # .ci/run installs Debian's chromium
        # As committed (no kernel stamp), JupyterLab marks the notebook modified as soon as its kernel
        # answers; after `make lab`'s stamp it opens clean. How soon "as soon" is depends on the machine's load
        # (over 3 s once in CI): the stamped notebook gets three times what the control took, 5 s at least.
        control = course / "notebooks" / "control"
        control.mkdir()
        shutil.copy(COURSE / "notebooks/01-checkpoints/01-checkpoints.ipynb", control / "as_committed.ipynb")
        base = f"http://127.0.0.1:{port}/lab/tree"
        took = seconds_until_modified(f"{base}/control/as_committed.ipynb?reset&token={token}", within=90)
        assert took is not None, "the control (no kernel stamp) never turned modified: the check sees nothing"
        stamped = f"{base}/01-checkpoints/01-checkpoints.ipynb?reset&token={token}"
        assert seconds_until_modified(stamped, within=max(5.0, 3 * took)) is None
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
