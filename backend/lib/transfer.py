"""What travels over the wire: compression of text answers and HTTP caching of static files.

- Compression: gzip (Litestar's `CompressionConfig`) for every text answer, JSON and static
  files alike. Not for images, PDFs or anything already encoded (no gain, CPU spent), and never
  for the live stream (`text/event-stream`): a compressor holds small chunks back until its
  buffer fills, and an event must reach the phone when it happens.
- Static files: the PWA references its files by plain URLs (`/js/main.js`, ES modules without a
  build step), so their content can change under the same URL with a new release. They are
  answered `Cache-Control: no-cache` with a weak ETag (the gzip body and the plain one are the
  same file) and Last-Modified, and a conditional request whose validator still matches gets a
  304 without a body: a browser may keep every file but asks before using it, and an unchanged
  file costs a few hundred bytes. The service worker's install step relies on this: it asks
  past the page's copies (`cache: "no-cache"`) and so downloads only what the page did not.
- A URL that carries the running release, `?v=<VERSION>` (the service worker's VERSION), names
  content that cannot change: it is answered `public, max-age=31536000, immutable`. Another
  `v` (an older or unknown release) gets `no-cache`, since the server only has today's file.
"""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs

from litestar.config.compression import CompressionConfig
from litestar.enums import CompressionEncoding
from litestar.middleware.compression import CompressionMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.settings import ROOT

COMPRESSIBLE = re.compile(
    rb"^(?:text/(?!event-stream)[\w.+-]+|application/(?:[\w.+-]+\+)?(?:json|xml|javascript)|image/svg\+xml)\b", re.I)
"""Content types worth compressing: text (except the live stream), JSON, XML, JavaScript, SVG."""

MINIMUM_SIZE = 500
"""Smaller bodies are sent as they are: gzip's own header and trailer would eat the gain."""

IMMUTABLE = b"public, max-age=31536000, immutable"
REVALIDATE = b"no-cache"


def release_version() -> str:
    """The running release: `VERSION` of service_worker/version.js (the shell's version)."""
    source = (ROOT / "service_worker" / "version.js").read_text()
    found = re.search(r'VERSION\s*=\s*"([^"]+)"', source)
    return found.group(1) if found else ""


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    return next((value for key, value in headers if key.lower() == name), None)


class TextCompressionMiddleware(CompressionMiddleware):
    """Litestar's compression, for compressible content types only (decided on the answer's
    headers, so a route needs no flag: an image, a PDF or the SSE stream passes untouched)."""

    def create_compression_send_wrapper(self, send: Send, compression_encoding: CompressionEncoding | str,
                                        scope: Scope) -> Send:
        compressing = super().create_compression_send_wrapper(send, compression_encoding, scope)
        target = send

        async def choose(message: Message) -> None:
            nonlocal target
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type = _header(headers, b"content-type") or b""
                already = _header(headers, b"content-encoding")
                target = compressing if COMPRESSIBLE.match(content_type) and not already else send
            await target(message)

        return choose


def compression_config() -> CompressionConfig:
    """gzip for text answers (browsers on plain HTTP do not accept brotli anyway)."""
    return CompressionConfig(backend="gzip", gzip_compress_level=6, minimum_size=MINIMUM_SIZE,
                             middleware_class=TextCompressionMiddleware)


def _etag_values(header: bytes) -> set[bytes]:
    return {tag.strip().removeprefix(b"W/") for tag in header.split(b",") if tag.strip()}


def _not_modified(scope: Scope, headers: list[tuple[bytes, bytes]]) -> bool:
    request = dict((key.lower(), value) for key, value in scope.get("headers", []))
    etag = _header(headers, b"etag")
    if b"if-none-match" in request:  # takes precedence over If-Modified-Since (RFC 9110 13.1.3)
        wanted = _etag_values(request[b"if-none-match"])
        return etag is not None and (b"*" in wanted or etag.removeprefix(b"W/") in wanted)
    modified, since = _header(headers, b"last-modified"), request.get(b"if-modified-since")
    if modified is None or since is None:
        return False
    try:
        return parsedate_to_datetime(modified.decode("latin-1")) <= parsedate_to_datetime(since.decode("latin-1"))
    except (TypeError, ValueError):
        return False


def _cache_control(scope: Scope, version: str) -> bytes:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return IMMUTABLE if version and query.get("v") == [version] else REVALIDATE


def static_cache_middleware(app: ASGIApp, version: str | None = None) -> ASGIApp:
    """For the static file routers: Cache-Control by URL, weak ETags, 304 for a matching
    conditional GET/HEAD (the body, already read from disk, is dropped)."""
    release = release_version() if version is None else version

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await app(scope, receive, send)
            return
        dropping = False

        async def send_cached(message: Message) -> None:
            nonlocal dropping
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                headers.append((b"cache-control", _cache_control(scope, release)))
                headers = [(k, v if k.lower() != b"etag" or v.startswith(b"W/") else b"W/" + v) for k, v in headers]
                if _not_modified(scope, headers):
                    dropping = True
                    headers = [(k, v) for k, v in headers if k.lower() not in (b"content-length", b"content-type", b"content-encoding")]
                    await send({**message, "status": 304, "headers": headers})
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                    return
                message = {**message, "headers": headers}
            elif dropping:
                return
            await send(message)

        await app(scope, receive, send_cached)

    return middleware
