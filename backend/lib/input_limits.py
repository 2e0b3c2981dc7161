"""Input no column can hold, refused before any handler runs (one place for every route).

- Integers: every integer column is a 32-bit INTEGER on PostgreSQL (piccolo's Serial and
  Integer) and SQLite stops at 2⁶³: an id beyond that in a path is a 404 (it cannot exist), an
  integer query parameter or any integer in a JSON body is a 400. Without this check such
  values reached the driver (`OverflowError` on SQLite, `DataError` on PostgreSQL) as 500s.
- JSON nested deeper than msgspec decodes (`RecursionError`) is a 400.
- NUL characters, which PostgreSQL text refuses and file names cannot hold, are a 400 in query
  strings and JSON bodies, a 404 in path parameters.

The JSON body is read here once (bodies are small; the largest uploads are multipart or raw
images, which are not read) and handed on unchanged to the app; one beyond the app's body limit
is a 413.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar.handlers import HTTPRouteHandler
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.lib.errors import DomainError, NotFound

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
"""The range of PostgreSQL's INTEGER, the narrowest integer column of both databases."""

JSON_BODY_LIMIT = 25 * 1024 * 1024
"""A JSON body larger than this is refused (413) before it is read further: the app's
`request_max_body_size`; no JSON body comes near it (photos are multipart or raw images)."""

_INTEGER = re.compile(r"\s*[+-]?\d+\s*")
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _french(number: int) -> str:
    return f"{number:,}".replace(",", "\u00a0").replace("-", "−")


class NumberOutOfRange(DomainError):
    def __init__(self) -> None:
        super().__init__(f"Nombre hors limites : un identifiant ou une quantité va de {_french(INT_MIN)} "
                         f"à {_french(INT_MAX)}.", "number_out_of_range")


class NullCharacter(DomainError):
    def __init__(self) -> None:
        super().__init__("Caractère nul interdit dans les données envoyées.", "null_character")


class TooLarge(DomainError):
    status_code = 413

    def __init__(self) -> None:
        super().__init__("Envoi trop volumineux.", "too_large")


class JsonTooDeep(DomainError):
    def __init__(self) -> None:
        super().__init__("Données trop imbriquées.", "json_too_deep")


def integer_query_params(handler: Any) -> set[str]:
    """Names (as sent in the query string) of the handler's integer parameters (read from its
    signature, which Litestar parsed once; a few fields, only for requests with a query)."""
    names = set()
    if isinstance(handler, HTTPRouteHandler):
        for name, field in handler.parsed_fn_signature.parameters.items():
            if any(t is int for t in (field.annotation, *(inner.annotation for inner in field.inner_types))):
                names.add(getattr(field.kwarg_definition, "query", None) or name)
    return names


def check_value(value: Any) -> None:
    """Walk a decoded JSON value: integers in range, no NUL in strings or keys."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise NullCharacter()
        elif isinstance(item, bool) or item is None or isinstance(item, float):
            continue
        elif isinstance(item, int):
            if not INT_MIN <= item <= INT_MAX:
                raise NumberOutOfRange()
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def check_path_and_query(scope: Scope) -> None:
    for value in (scope.get("path_params") or {}).values():
        if isinstance(value, int) and not isinstance(value, bool) and not INT_MIN <= value <= INT_MAX:
            raise NotFound()
        if isinstance(value, str) and "\x00" in value:
            raise NotFound()
    query = scope.get("query_string", b"")
    if not query:
        return
    ints = integer_query_params(scope.get("route_handler"))
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="utf-8",
                                 errors="replace"):
        if "\x00" in name or "\x00" in value:
            raise NullCharacter()
        if name in ints and _INTEGER.fullmatch(value) and not INT_MIN <= int(value) <= INT_MAX:
            raise NumberOutOfRange()


def _json_content(scope: Scope) -> bool:
    for key, value in scope.get("headers", []):
        if key == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
            return kind == b"application/json" or kind.endswith(b"+json") or kind == b"text/plain"
    return True  # no content type: Litestar decodes a JSON body all the same


def check_json(body: bytes) -> None:
    try:
        value = msgspec.json.decode(body)
    except RecursionError:
        raise JsonTooDeep() from None
    except msgspec.DecodeError:
        return  # not JSON: the handler's own parsing answers 400
    check_value(value)


def input_limits_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        check_path_and_query(scope)
        if scope.get("method") not in _BODY_METHODS or not _json_content(scope):
            await app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        first: list[Message] = []
        while more:
            message = await receive()
            if message["type"] != "http.request":
                first.append(message)
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > JSON_BODY_LIMIT:
                raise TooLarge()
        body = b"".join(chunks)
        if body:
            check_json(body)
        replay: list[Message] = [{"type": "http.request", "body": body, "more_body": False}, *first]

        async def replaying_receive() -> Message:
            return replay.pop(0) if replay else await receive()

        await app(scope, replaying_receive, send)

    return middleware
