"""docs/api.md matches the app (issue 15, point 6): every route its tables document exists, and every
route of the API (`/api/…`, hidden ones included) is documented — read from the app's own routes
and its OpenAPI document at /schema/openapi.json. A new route needs its row in docs/api.md."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from litestar.routes import HTTPRoute

from backend.app import create_app
from backend.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
ROW = re.compile(r"^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*`?([^|`\s]+)")
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def shape(path: str) -> str:
    """`/communes/{commune_id:int}/staff?q=` and `/communes/{id}/staff` alike → `/communes/{}/staff`."""
    path = path.split("?")[0].rstrip("/") or "/"
    return re.sub(r"\{[^}]*\}", "{}", path)


def documented(text: str) -> set[tuple[str, str]]:
    """(method, path) of every row of docs/api.md's route tables; paths there are under /api/v1."""
    rows = set()
    for line in text.splitlines():
        if match := ROW.match(line):
            path = match.group(2)
            rows.add((match.group(1), shape(path if path.startswith("/api/") else "/api/v1" + path)))
    return rows


def served(settings: Settings, engine: Any) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(method, path) of the app's API routes, and of its OpenAPI document's paths."""
    # With the session's engine: create_app binds every table to the engine it is given, and one made
    # from other settings left the rest of this test process on an empty database (« no such table »).
    app = create_app(settings, engine=engine)
    routes = {(method, shape(route.path)) for route in app.routes if isinstance(route, HTTPRoute)
              for method in route.methods & METHODS if route.path.startswith("/api/")}
    document = app.openapi_schema.to_schema()
    described = {(method.upper(), shape(path)) for path, operations in document["paths"].items()
                 for method in operations if method.upper() in METHODS and path.startswith("/api/")}
    return routes, described


def test_the_parser_reads_rows_and_shapes_paths():
    text = ("| GET | /communes/{commune_id}/people?q= | staff | → … |\n"
            "| GET | /audit.csv (same filters) | admin | → … |\n| POST | `/api/v1/sms/inbound` | signed | … |\n"
            "| method | path | guard | body |\nGET /not/a/row\n")
    assert documented(text) == {("GET", "/api/v1/communes/{}/people"), ("GET", "/api/v1/audit.csv"),
                                ("POST", "/api/v1/sms/inbound")}


def test_every_documented_route_exists_and_every_api_route_is_documented(fx_settings, fx_engine):
    docs = documented((ROOT / "docs" / "api.md").read_text(encoding="utf-8"))
    routes, described = served(fx_settings, fx_engine)
    assert described <= routes  # the OpenAPI document describes routes that exist
    assert sorted(docs - routes) == [], "documented in docs/api.md but not served"
    missing = sorted(routes - docs)
    assert missing == [], "served but missing from docs/api.md"
    assert len(docs) > 150
