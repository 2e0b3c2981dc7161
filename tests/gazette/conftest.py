"""Gazette fixtures: the real channels of tests/alerts (loopback push service, SMS emulator,
SMTP catcher) and an app wired to them; a world of every role with a subscribed device each;
`people(role)`: a signed-in client for that role (a session made directly: no password hashing)."""

from __future__ import annotations

import shutil
from typing import Any, AsyncIterator, Callable

import pytest

from backend.auth import sessions
from tests.fixtures.channels import fx_app, fx_delivery_overrides, fx_push, fx_sms  # noqa: F401  (fixtures)
from tests.builders import World
from tests.conftest import Api
from tests.gazette.helpers import gazette_world


@pytest.fixture(autouse=True)
def fx_media(fx_settings: Any) -> Any:
    """Every test starts with an empty media folder (the database is wiped by fx_clean)."""
    shutil.rmtree(fx_settings.media_path, ignore_errors=True)
    return fx_settings.media_path


@pytest.fixture
async def world(fx_app: Any, fx_settings: Any, fx_password_hash: str, fx_push: Any) -> World:
    return await gazette_world(fx_settings, fx_password_hash, fx_push)


@pytest.fixture
async def people(fx_app: Any, world: World) -> AsyncIterator[Callable[[str], Any]]:
    clients: list[Api] = []

    async def signed_in(role: str) -> Api:
        client = Api(fx_app, role)
        token = await sessions.create_session(world.users[role], 3600)
        client.http.cookies.set(sessions.COOKIE_NAME, token, domain="testserver.local")
        clients.append(client)
        return client

    yield signed_in
    for client in clients:
        await client.aclose()
