"""retrylab.tries.fastapi_overrides: the graphs FastAPI rebuilt per request are built once, and overrides still apply."""

from __future__ import annotations

import asyncio
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI
from fastapi.dependencies import utils

from retrylab.tries import fastapi_overrides


def token() -> str:
    return "real"


def fake_token() -> str:
    return "overridden"


def user(t: Annotated[str, Depends(token)]) -> str:
    return f"user with {t}"


def app_with_an_override() -> FastAPI:
    app = FastAPI()

    @app.get("/me")
    def me(n: int, who: Annotated[str, Depends(user)]) -> dict:
        return {"n": n, "who": who}

    app.dependency_overrides[token] = fake_token
    return app


def ask(app: FastAPI, requests: int) -> list[dict]:
    async def go() -> list[dict]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
            return [(await client.get("/me", params={"n": n})).json() for n in range(requests)]

    return asyncio.run(go())


def test_fastapi_itself_rebuilds_the_graphs_on_every_request(monkeypatch):
    """Why the module exists: if this fails, the locked FastAPI no longer rebuilds and the module can go."""
    builds = 0
    build = utils.get_dependant

    def counting(**kwargs):
        nonlocal builds
        builds += 1
        return build(**kwargs)

    monkeypatch.setattr(utils, "get_dependant", counting)
    app = app_with_an_override()
    assert ask(app, 5) == [{"n": n, "who": "user with overridden"} for n in range(5)]
    assert builds >= 5


def test_overrides_still_apply_and_each_graph_is_built_once(monkeypatch):
    monkeypatch.setattr(utils, "get_dependant", utils.get_dependant)  # the original is back after the test
    fastapi_overrides.install()
    fastapi_overrides.install()  # idempotent: one wrapper
    graphs = utils.get_dependant.graphs
    app = app_with_an_override()
    assert ask(app, 20) == [{"n": n, "who": "user with overridden"} for n in range(20)]
    kept = dict(graphs)
    assert 0 < len(kept) <= 3
    assert ask(app, 20)[-1] == {"n": 19, "who": "user with overridden"}
    assert graphs.keys() == kept.keys() and all(graphs[k] is kept[k] for k in kept)  # reused, not rebuilt
    app.dependency_overrides.clear()  # a changed override is another graph, not a stale one
    assert [a["who"] for a in ask(app, 2)] == ["user with real"] * 2


def test_routes_declared_after_it_still_get_graphs_of_their_own(monkeypatch):
    monkeypatch.setattr(utils, "get_dependant", utils.get_dependant)
    fastapi_overrides.install()
    app = FastAPI()

    def extra() -> None:
        raise AssertionError("only the second route depends on it")

    def endpoint() -> dict:
        return {"ok": True}

    app.get("/a")(endpoint)
    app.get("/b", dependencies=[Depends(extra)])(endpoint)  # FastAPI edits the graph it built for this route
    routes = {r.path: r for r in app.routes if getattr(r, "path", "") in ("/a", "/b")}
    assert len(routes["/a"].dependant.dependencies) == 0
    assert len(routes["/b"].dependant.dependencies) == 1
