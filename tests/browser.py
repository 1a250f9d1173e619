"""Headless Chromium (Debian's ``chromium``) driven over the DevTools protocol: log in, wait for a page, screenshot.

Why not ``chromium --screenshot URL``: a JupyterHub user's lab needs a login (a form and an OAuth hop), which only a
browser session can make; the DevTools protocol is Chromium's own way to drive one.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from itertools import count

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Page:
    def __init__(self, ws) -> None:
        self.ws, self.ids = ws, count(1)

    async def send(self, method: str, **params) -> dict:
        msg_id = next(self.ids)
        self.ws.write_message(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            msg = json.loads(await asyncio.wait_for(self.ws.read_message(), 60))
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    async def evaluate(self, expression: str):
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")

    async def wait_for(self, expression: str, timeout: float = 60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = await self.evaluate(expression)
            if value:
                return value
            await asyncio.sleep(0.5)
        raise TimeoutError(f"the page never satisfied {expression!r} (at {await self.evaluate('location.href')})")


@contextmanager
def chromium(width: int = 1280, height: int = 800):
    """A headless Chromium with a fresh profile; yields its DevTools port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Chromium's helpers (renderer, GPU, crash handler) outlive a kill of the browser alone and write to the profile
    # while it is removed ("Directory not empty", once in CI): the browser gets a process group, and all of it goes.
    with tempfile.TemporaryDirectory(prefix="retrylab-chromium-", ignore_cleanup_errors=True) as profile:
        proc = subprocess.Popen(
            [
                CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                f"--window-size={width},{height}", f"--remote-debugging-port={port}", "--remote-allow-origins=*",
                f"--user-data-dir={profile}", "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        try:
            yield port
        finally:
            _kill_group(proc)


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)  # anyone left in the group?
        except ProcessLookupError:
            return
        time.sleep(0.1)


async def _page(port: int) -> Page:
    from tornado.websocket import websocket_connect

    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
                targets = [t for t in json.load(r) if t.get("type") == "page"]
            if targets:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError("Chromium's DevTools endpoint never answered")
        await asyncio.sleep(0.3)
    page = Page(await websocket_connect(targets[0]["webSocketDebuggerUrl"]))
    await page.send("Page.enable")
    return page


def hub_lab_screenshot(hub_url: str, user: str, password: str, ready: str, timeout: float = 120.0) -> tuple[bytes, str]:
    """Log ``user`` into the hub through its login form, open their lab, wait until ``ready`` (a JS expression)
    is true; return a PNG of the page and its URL."""

    async def run(port: int) -> tuple[bytes, str]:
        page = await _page(port)
        await page.send("Page.navigate", url=f"{hub_url}/hub/login?next=/hub/user/{user}/lab")
        await page.wait_for("document.querySelector('#username_input') !== null")
        await page.evaluate(
            f"document.querySelector('#username_input').value = {json.dumps(user)};"
            f"document.querySelector('#password_input').value = {json.dumps(password)};"
            "document.querySelector('#login_submit').click(); true"
        )
        await page.wait_for(ready, timeout)
        await asyncio.sleep(1.0)  # let the last paint land
        shot = await page.send("Page.captureScreenshot", format="png")
        return base64.b64decode(shot["data"]), await page.evaluate("location.href")

    with chromium() as port:
        return asyncio.run(run(port))


def seconds_until_modified(url: str, within: float, timeout: float = 120.0) -> float | None:
    """Open a notebook URL of a running JupyterLab (token in the URL) and wait for its kernel to be idle; the
    seconds until the notebook is marked modified (unsaved changes) without anyone touching it, or None if it
    is still clean ``within`` seconds after idle.

    The kernel's info reaches the notebook's metadata some time after it turns idle, longer on a busy machine:
    a caller times a notebook that does turn modified first and gives the one that must not a few times that.
    """

    async def run(port: int) -> float | None:
        page = await _page(port)
        await page.send("Page.navigate", url=url)
        await page.wait_for("document.querySelector('.jp-Notebook .jp-Cell') !== null", timeout)
        await page.wait_for("document.querySelector('.jp-Notebook-ExecutionIndicator[data-status=\"idle\"]') !== null", timeout)
        idle = time.monotonic()
        while time.monotonic() - idle < within:
            if await page.evaluate("document.querySelectorAll('.jp-mod-dirty').length"):
                return time.monotonic() - idle
            await asyncio.sleep(0.25)
        return None

    with chromium() as port:
        return asyncio.run(run(port))


PAGE_FACTS = """(() => {
  const imgs = [...document.images].map(i => ({src: i.src.slice(0, 80), alt: i.alt, loaded: i.complete && i.naturalWidth > 0}));
  const links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  return {
    title: document.title,
    h1: (document.querySelector('main h1, article h1, h1') || {}).textContent || '',
    images: imgs,
    links: links,
    tracebacks: document.querySelectorAll('.output.traceback, .output.error').length,
    problems: document.querySelectorAll('.problematic, .system-message').length,
    text: document.body.innerText,
  };
})()"""


def page_facts(urls: list[str], timeout: float = 60.0) -> dict[str, dict]:
    """Open each URL in headless Chromium once it has loaded (images included): its title, first heading, images
    (and whether each loaded), links, error outputs and Sphinx problem markers, and its visible text."""

    async def run(port: int) -> dict[str, dict]:
        page = await _page(port)
        out = {}
        for url in urls:
            await page.send("Page.navigate", url=url)
            await page.wait_for(f"location.href.startsWith({json.dumps(url.split('#')[0])}) && document.readyState === 'complete'", timeout)
            await page.wait_for("[...document.images].every(i => i.complete)", timeout)
            out[url] = await page.evaluate(PAGE_FACTS)
        return out

    with chromium() as port:
        return asyncio.run(run(port))
