"""A workshop on a real JupyterHub, end to end: three learners fetch, work and submit through the hub and their
servers' REST APIs; the instructor releases, collects, grades and returns feedback, which learners fetch."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import urllib.parse

import nbformat
import pytest

from retrylab import hub as workshop_hub
from retrylab.course import kernel_language_info
from tests import nbgrader_course as nbc
from tests.browser import CHROMIUM, hub_lab_screenshot
from tests.course_files import fresh_copy

pytestmark = pytest.mark.timeout(900)

MODULE = "00-orientation"
CELL = "hello-retries-dag"
LEARNERS = ("ana", "ben", "cai")
COURSE_ARGS = f"course_id={workshop_hub.COURSE_ID}&assignment_id={MODULE}"

# A job each learner's kernel submits in the worker stack (a real API server and executor of their own).
PRIVATE_RUN = '''
import json, pathlib
import retrylab
lab = retrylab.open_lab("private/.sandbox", "private/dags")
pathlib.Path("private/dags/one_job.py").write_text(DAG)
report = lab.run("private/dags/one_job.py", kill=True)
print(json.dumps({"sandbox": str(lab.box.root), "port": lab.stack.port, "jobs": [j.id for j in report.jobs],
                  "state": report.state}))
'''
ONE_JOB_DAG = '''
from datetime import datetime
from airflow.sdk import DAG, task
from retrylab.world.batch import BatchClient
with DAG(dag_id="one_job", schedule=None, start_date=datetime(2025, 1, 1), catchup=False):
    @task
    def submit():
        client = BatchClient()
        job = client.submit("nightly")
        return client.wait(job)
    submit()
'''


def make(course, *args, env):
    proc = subprocess.run(["make", *args], cwd=course, capture_output=True, text=True, env=env, timeout=800)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return proc.stdout


@pytest.fixture(scope="module")
def workshop(tmp_path_factory):
    course = fresh_copy(tmp_path_factory.mktemp("course"))
    hub = workshop_hub.start(tmp_path_factory.mktemp("hub"), LEARNERS, "teach")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    env["RETRYLAB_EXCHANGE"] = str(workshop_hub.exchange_root(hub.root))
    try:
        yield course, hub, env
    finally:
        hub.stop()


def test_learners_fetch_work_submit_and_get_feedback(workshop):
    course, hub, env = workshop
    make(course, "assignments", env=env)
    make(course, "release", f"ASSIGNMENT={MODULE}", env=env)
    answers = nbc.solutions_by_id(MODULE)
    tokens = {}
    for user in LEARNERS:
        hub.start_server(user)
        tokens[user] = token = hub.user_token(user)
        listed = hub.api("GET", f"/user/{user}/assignments?course_id={workshop_hub.COURSE_ID}", token=token)
        assert [a["assignment_id"] for a in listed["value"]] == [MODULE], listed
        hub.api("POST", f"/user/{user}/assignments/fetch?{COURSE_ARGS}", token=token)
        path = f"/user/{user}/api/contents/{MODULE}/{MODULE}.ipynb"
        notebook = nbformat.from_dict(hub.api("GET", path, token=token)["content"])
        assert notebook.metadata.language_info == kernel_language_info()  # opens unmodified in JupyterLab
        if user != "cai":  # cai hands in the untouched notebook
            nbc.solved(notebook, answers)
        hub.api("PUT", path, {"type": "notebook", "format": "json", "content": notebook}, token=token)
        hub.api("POST", f"/user/{user}/assignments/submit?{COURSE_ARGS}", token=token)

    assert "submitted by ana, ben, cai" in make(course, "collect", f"ASSIGNMENT={MODULE}", env=env)
    make(course, "autograde", f"ASSIGNMENT={MODULE}", env=env)
    make(course, "feedback", f"ASSIGNMENT={MODULE}", env=env)
    make(course, "return-feedback", f"ASSIGNMENT={MODULE}", env=env)
    for user in LEARNERS:
        listed = hub.api("POST", f"/user/{user}/assignments/fetch_feedback?{COURSE_ARGS}", token=tokens[user])
        (submission,) = [s for a in listed["value"] for s in a.get("submissions", [])]
        assert submission["has_local_feedback"], submission
        html = (hub.root / "home" / user / MODULE / "feedback" / submission["timestamp"] / f"{MODULE}.html").read_text()
        assert ("Score: 3.0 / 3.0" in html) == (user != "cai"), user


def test_two_learners_runs_stay_private(workshop):
    """Two learners run a kill-mode job at the same time: each gets a stack, a job ledger and a sandbox of their own."""
    _course, hub, _env = workshop
    for user in ("ana", "ben"):
        hub.start_server(user)
    code = f"DAG = {ONE_JOB_DAG!r}\n" + PRIVATE_RUN

    async def both():
        loop = asyncio.get_running_loop()
        return await asyncio.gather(
            *(loop.run_in_executor(None, hub.execute, user, code) for user in ("ana", "ben"))
        )

    ana, ben = (json.loads(out.strip().splitlines()[-1]) for out in asyncio.run(both()))
    assert ana["state"] == ben["state"] == "success"
    assert ana["jobs"] == ben["jobs"] == ["job-0001"]  # each learner's batch service saw one job: their own
    assert ana["port"] != ben["port"]
    assert ana["sandbox"].startswith(str(hub.root / "home" / "ana")) and ben["sandbox"].startswith(str(hub.root / "home" / "ben"))


def test_the_hub_binds_localhost_and_logs_in_only_with_the_password(workshop):
    import httpx

    _course, hub, _env = workshop
    assert urllib.parse.urlparse(hub.url).hostname == "127.0.0.1"
    assert httpx.get(hub.url + "/hub/api/users").status_code == 403  # no token

    def login(password: str) -> int:
        with httpx.Client(base_url=hub.url, follow_redirects=False) as browser:
            browser.get("/hub/login")
            form = {"username": "ana", "password": password, "_xsrf": browser.cookies.get("_xsrf", "")}
            return browser.post("/hub/login", data=form).status_code

    assert login("not-the-password") == 403
    assert login(hub.password) == 302  # on to ana's server


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it with apt)")
def test_a_learner_logs_in_with_a_browser_and_sees_the_fetched_module(workshop, tmp_path):
    """Headless Chromium through the hub's login form and OAuth hop into ana's JupyterLab, which lists the module she
    fetched; the screenshot is kept beside the test's files."""
    _course, hub, _env = workshop
    hub.start_server("ana")
    if not (hub.root / "home" / "ana" / MODULE).is_dir():
        token = hub.user_token("ana")
        hub.api("POST", f"/user/ana/assignments/fetch?{COURSE_ARGS}", token=token)
    listed = (
        "[...document.querySelectorAll('.jp-DirListing-itemText')]"
        f".some(e => e.textContent.includes({MODULE!r}))"
    )
    png, url = hub_lab_screenshot(hub.url, "ana", hub.password, listed)
    (tmp_path / "ana-lab.png").write_bytes(png)
    assert url.startswith(f"{hub.url}/user/ana/lab")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # a drawn lab, not a blank page
