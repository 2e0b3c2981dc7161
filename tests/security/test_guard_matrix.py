"""Every route declares a guard, and answers 401/403 to exactly the people who may not call it."""

from __future__ import annotations

import importlib
import re
import pkgutil

import pytest
from litestar.handlers import HTTPRouteHandler

from backend.auth import sessions
from tests.builders import ROLES, build_world
from tests.conftest import Api

import tests

STATIC_PREFIXES = ("/{file_path:path}", "/sw/{file_path:path}", "/")


EXTRAS: dict[str, dict] = {"QUERY": {}, "BODY": {}, "TARGET": {}}


def load_matrix() -> tuple[dict[str, set[str]], dict[str, dict[str, str]]]:
    """Merge MATRIX (and QUERY, BODY, TARGET) of every `guard_matrix` module under tests/.

    QUERY: query string a route needs; BODY: a valid body, for routes whose check sits behind
    body validation; TARGET: which of the world's communities a route's `{community_id}` is
    (e.g. "foreign" for /join, so that joining does not change who is member of `community`).
    """
    matrix: dict[str, set[str]] = {}
    query: dict[str, dict[str, str]] = EXTRAS["QUERY"]
    for info in pkgutil.walk_packages(tests.__path__, "tests."):
        if info.name.endswith(".guard_matrix"):
            module = importlib.import_module(info.name)
            overlap = set(matrix) & set(module.MATRIX)
            assert not overlap, f"routes listed twice: {overlap}"
            matrix.update(module.MATRIX)
            for name, extra in EXTRAS.items():
                extra.update(getattr(module, name, {}))
    return matrix, query


def api_routes(app) -> list[tuple[str, str, HTTPRouteHandler]]:
    out = []
    for route in app.routes:
        if route.path in STATIC_PREFIXES or route.path.startswith("/sw/"):
            continue
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler):
                continue
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                out.append((method, route.path, handler))
    return out


def concrete(path: str, world, key: str = "") -> str:
    """Path parameters point at the world's own things (ids of other kinds: any number; the
    ownership checks behind them are tested per domain)."""
    values = {"community_id": getattr(world, EXTRAS["TARGET"].get(key, "community")), "commune_id": world.commune,
              "alert_id": world.alert}
    for name, value in values.items():
        path = path.replace(f"{{{name}:int}}", str(value))
    path = re.sub(r"\{[a-z_]+:int\}", "999999", path)
    return path.replace("{name:str}", "inexistant.pdf")


async def test_every_route_declares_a_guard_and_is_in_the_matrix(fx_app):
    matrix, _ = load_matrix()
    seen = set()
    for method, path, handler in api_routes(fx_app):
        key = f"{method} {path}"
        seen.add(key)
        guards = [g for layer in handler.ownership_layers for g in (getattr(layer, "guards", None) or [])]
        assert guards, f"{key} declares no guard"
        assert key in matrix, f"{key} is missing from the guard matrix"
    assert not set(matrix) - seen, f"matrix lists routes that do not exist: {set(matrix) - seen}"


async def test_guard_matrix(fx_app, fx_password_hash, fx_settings):
    world = await build_world(fx_password_hash)
    matrix, query = load_matrix()
    # One CSRF token for every client (the cookie and header pair is not tied to a session): each
    # fresh client fetched its own with a GET first, ~2,000 requests more for the same checks.
    first = Api(fx_app)
    csrf = (await first._csrf())["x-csrftoken"]
    await first.aclose()
    wrong = []
    for method, path, handler in api_routes(fx_app):
        key = f"{method} {path}"
        for role in ["anonymous", *ROLES]:
            client = Api(fx_app, role)
            client.http.cookies.set("csrftoken", csrf, domain="testserver.local")
            if role != "anonymous":
                token = await sessions.create_session(world.users[role], 3600)
                client.http.cookies.set(sessions.COOKIE_NAME, token, domain="testserver.local")
            kwargs = {"params": query.get(key, {})}
            if method in ("POST", "PUT", "PATCH"):
                kwargs["json"] = EXTRAS["BODY"].get(key, {})
            response = await client.request(method, concrete(path, world, key), **kwargs)
            await client.aclose()
            denied = response.status_code in (401, 403)
            allowed = role in matrix[key]
            if allowed == denied:
                wrong.append(f"{key} as {role}: {response.status_code} (expected {'allowed' if allowed else 'denied'})")
    assert not wrong, "\n".join(wrong)
