"""Puts the caller's Principal (or None) in scope["user"] for API routes."""

from __future__ import annotations

from litestar.types import ASGIApp, Receive, Scope, Send

from backend.auth import sessions
from backend.auth.principal import principal_loader
from backend.lib.web import cookie_value


def session_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope["user"] = None
            path: str = scope.get("path", "")
            token = cookie_value(scope, sessions.COOKIE_NAME) if path.startswith(("/api/", "/dev/")) else None
            if token:
                principal = await sessions.session_principal(scope["app"].state.get("valkey"), token,
                                                             principal_loader(scope["app"]))
                if principal is not None:
                    scope["user"] = principal
                    scope.setdefault("state", {})["session_token"] = token  # type: ignore[index]
        await app(scope, receive, send)

    return middleware
