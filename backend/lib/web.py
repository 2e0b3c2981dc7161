"""HTTP plumbing shared by every domain: session middleware, security headers, error handlers."""

from __future__ import annotations

import logging
from http.cookies import SimpleCookie
from typing import Any

from litestar import Request, Response
from litestar.response import Stream
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.lib import i18n
from backend.lib.error_texts import english_detail
from backend.lib.errors import DomainError, TooManyRequests

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(self)"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def cookie_value(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:
                continue
            if name in jar:
                return jar[name].value
    return None


CSRF_COOKIE = b"csrftoken="
CSRF_COOKIE_MAX_AGE = 30 * 24 * 3600
"""Litestar sets its CSRF cookie for the browser session only. The service worker replays
alerts and messages typed offline (Background Sync) without a page, possibly after the
browser was restarted: with a cookie gone, each replay waited for the next page load. The
token is a signed random value, not a secret kept from the page (double submit), so it may
live as long as a login session (30 days)."""


def _persistent_csrf_cookie(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    out = []
    for key, value in headers:
        if key.lower() == b"set-cookie" and value.startswith(CSRF_COOKIE) and b"max-age" not in value.lower():
            value += b"; Max-Age=%d" % CSRF_COOKIE_MAX_AGE
        out.append((key, value))
    return out


HSTS = (b"strict-transport-security", b"max-age=31536000")
"""Sent when cookies are Secure (the site is served over HTTPS): browsers then refuse plain HTTP for
a year. No includeSubDomains: the operator's other sub-domains are not Vigie's to decide."""


def security_headers_middleware(app: ASGIApp, hsts: bool = False) -> ASGIApp:
    fixed = [*SECURITY_HEADERS, HSTS] if hsts else SECURITY_HEADERS

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = _persistent_csrf_cookie(list(message.get("headers", [])))
                present = {k.lower() for k, _ in headers}
                headers.extend(h for h in fixed if h[0] not in present)
                if path == "/sw.js":
                    headers.append((b"service-worker-allowed", b"/"))
                if path in ("/sw.js", "/", "/index.html", "/manifest.webmanifest") or path.startswith("/sw/"):
                    headers = [h for h in headers if h[0].lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-cache"))
                elif path.startswith("/api/"):
                    if b"cache-control" not in present:
                        headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware


def reader_locale(request: Request) -> str:
    """The language of the caller: a signed-in member's own choice, else `Accept-Language`."""
    principal = request.scope.get("user")
    locale = getattr(principal, "locale", None)
    if locale:
        return i18n.supported(locale)
    return i18n.from_accept_language(request.headers.get("accept-language"))


def _error(status: int, detail: str, code: str, extra: Any = None, headers: dict[str, str] | None = None,
           request: Request | None = None) -> Response:
    if request is not None and reader_locale(request) == "en":
        detail = english_detail(code, detail)
    body: dict[str, Any] = {"status_code": status, "detail": detail, "code": code}
    if extra:
        body["extra"] = extra
    return Response(body, status_code=status, headers=headers or {})


def domain_error_handler(request: Request, exc: DomainError) -> Response:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
    return _error(exc.status_code, exc.detail, exc.code, headers=headers, request=request)


def validation_error_handler(request: Request, exc: ValidationException) -> Response:
    return _error(400, "Données invalides : vérifiez les champs du formulaire.", "validation_error", exc.extra, request=request)


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc, PermissionDeniedException) and "csrf" in str(exc.detail).lower():
        return _error(403, "Jeton de sécurité (CSRF) manquant ou invalide : rechargez la page.", "csrf_failed", request=request)
    if isinstance(exc, NotAuthorizedException):
        return _error(401, "Veuillez vous connecter.", "not_authenticated", request=request)
    if isinstance(exc, PermissionDeniedException):
        return _error(403, "Vous n'avez pas accès à cette page.", "forbidden", request=request)
    if isinstance(exc, NotFoundException):
        return _error(404, "Introuvable.", "not_found", request=request)
    if isinstance(exc, MethodNotAllowedException):
        return _error(405, "Méthode non autorisée.", "method_not_allowed", request=request)
    if exc.status_code == 413:
        return _error(413, "Envoi trop volumineux.", "too_large", request=request)
    if exc.status_code >= 500:
        log.error("HTTP %s on %s: %s", exc.status_code, request.url.path, exc.detail)
        return _error(exc.status_code, "Service momentanément indisponible, réessayez dans un instant.", "unavailable", request=request)
    return _error(exc.status_code, "Requête invalide.", "bad_request", request=request)


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error(500, "Erreur interne. L'équipe technique a été prévenue.", "internal_error", request=request)


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}


class StreamOf(Stream):
    """A streamed answer whose own media type wins over the route's declared one (Litestar's Stream
    prefers the route's: a photo route declares image/jpeg for the OpenAPI document, a WebP photo
    must still go out as image/webp)."""

    def to_asgi_response(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["media_type"] = self.media_type or kwargs.get("media_type")
        return super().to_asgi_response(*args, **kwargs)
