"""The OpenAPI document of the API, served at /schema/openapi.json (public, read-only; wired in app.py).

Litestar writes it from the routes' type hints and msgspec schemas. One thing it cannot know is
written in here: every integer the API accepts lies in `input_limits.INT_MIN..INT_MAX` (the
32-bit integer columns), which the input-limits middleware enforces for every route. Clients and
the fuzzer (tests/security/test_fuzz_api.py) read the range from the document.

No viewer is served: Litestar's (Swagger UI, ReDoc, …) load their scripts from CDNs, which the
Content-Security-Policy forbids.
"""

from __future__ import annotations

import copy
from typing import Any

from litestar import Request
from litestar.openapi.plugins import JsonRenderPlugin

from backend.lib.input_limits import INT_MAX, INT_MIN


def with_integer_range(document: Any) -> Any:
    """Every integer schema of `document` gets the accepted minimum and maximum (in place)."""
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            kind = item.get("type")
            if kind == "integer" or (isinstance(kind, list) and "integer" in kind):
                item.setdefault("minimum", INT_MIN)
                item.setdefault("maximum", INT_MAX)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return document


class ApiDocument(JsonRenderPlugin):
    """Litestar's JSON document with the integer range written in (made once)."""

    def __init__(self) -> None:
        super().__init__()
        self._document: dict[str, Any] | None = None

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        if self._document is None:
            self._document = with_integer_range(copy.deepcopy(openapi_schema))
        return self.render_json(request, self._document)
