"""Puts the caller's Principal (or None) in scope["user"] for API routes."""

from __future__ import annotations

from litestar.types import ASGIApp, Receive, Scope, Send

from backend.auth import service, sessions
from backend.lib.web import cookie_value


def session_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope["user"] = None
            path: str = scope.get("path", "")
            token = cookie_value(scope, sessions.COOKIE_NAME) if path.startswith(("/api/", "/dev/")) else None
            if token:
                cache = scope["app"].state.get("valkey")
                user_id = await sessions.session_user_id(cache, token)
                if user_id:
                    principal = await sessions.cached_principal(cache, user_id)
                    if principal is None:
                        principal = await service.load_principal(user_id)
                        if principal is not None:
                            await sessions.store_principal(cache, principal)
                    scope["user"] = principal
                    scope.setdefault("state", {})["session_token"] = token  # type: ignore[index]
        await app(scope, receive, send)

    return middleware
