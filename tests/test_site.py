"""`make site`: the course as a static website. Built here from two executed modules (the whole site is the same
code over seven), then opened in headless Chromium: every page renders, every picture loads and has alt text, every
internal link resolves, no error output is shown, and exercises show the learner's placeholder, not the solution."""

import functools
import http.server
import threading
import urllib.parse

import pytest

from retrylab import site
from tests import browser

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
MODULES = ("00-orientation", "01-checkpoints")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "html"
    site.build(out, only=MODULES, log=lambda _text: None)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield out, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def pages(built):
    if browser.CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    out, base = built
    return browser.page_facts([f"{base}/index.html"] + [f"{base}/{m}.html" for m in MODULES])


def test_every_page_renders_with_its_heading_and_no_error(pages):
    assert len(pages) == 1 + len(MODULES)
    for url, facts in pages.items():
        assert facts["h1"].strip(), url
        assert facts["tracebacks"] == 0 and facts["problems"] == 0, url
        assert "Traceback (most recent call last)" not in facts["text"], url
    headings = [facts["h1"] for url, facts in pages.items() if not url.endswith("index.html")]
    assert [h.split("·")[0].strip().strip("#") for h in headings] == ["00", "01"], headings


def test_every_picture_loads_and_says_what_it_shows(pages):
    pictures = [(url, img) for url, facts in pages.items() for img in facts["images"] if img["src"].startswith("data:image/png")]
    assert len(pictures) >= 3, "the run reports' timelines are pictures"
    for url, facts in pages.items():
        for img in facts["images"]:
            assert img["loaded"], (url, img["src"])
    for url, img in pictures:
        assert len(img["alt"]) > 40, (url, img["alt"])  # a description, not a file name


def test_every_internal_link_resolves(built, pages):
    out, base = built
    checked = 0
    for url, facts in pages.items():
        for link in facts["links"]:
            if not link.startswith(base):
                continue
            parts = urllib.parse.urlsplit(link)
            target = out / urllib.parse.unquote(parts.path).lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{url} links to {link}, which the site does not have"
            if parts.fragment:
                assert f'id="{parts.fragment}"' in target.read_text(), f"{url} links to {link}: no such anchor"
            checked += 1
    assert checked > 20


def test_the_home_page_is_the_module_table_linking_every_page(pages, built):
    _out, base = built
    home = pages[f"{base}/index.html"]
    assert "what breaks" in home["text"] and "what you learn" in home["text"]
    for module in MODULES:
        assert f"{base}/{module}.html" in home["links"], module


def test_exercises_show_the_learners_placeholder_not_the_solution(pages, built):
    _out, base = built
    text = pages[f"{base}/01-checkpoints.html"]["text"]
    assert "YOUR CODE HERE" in text and "BEGIN SOLUTION" not in text
    assert "transform_and_upsert(record)\n            cursor" not in text
    assert "loaded twice" in text  # the outputs of the run are there


def test_a_rebuild_reuses_the_executed_notebooks(tmp_path):
    said = []
    site.build(tmp_path / "again", only=MODULES[:1], log=said.append)
    assert said[0] == f"{MODULES[0]}: cached", said
