"""Access to the per-process resources kept on app.state (settings, valkey, queues, media storage).

The caller's identity is `backend.auth.principal.principal_of` (lib knows no domain)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import valkey.asyncio as avalkey
from litestar import Request

from backend.settings import Settings

if TYPE_CHECKING:
    from backend.lib.queues import Queues
    from backend.lib.storage import MediaStorage


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def valkey_of(request: Request) -> avalkey.Valkey:
    return request.app.state.valkey


def queues_of(request: Request) -> "Queues":
    return request.app.state.queues


def storage_of(request: Request) -> "MediaStorage":
    return request.app.state.storage


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
