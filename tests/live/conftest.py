"""Fixtures of the live-stream tests: a community with its members, and a plain Valkey client."""

from __future__ import annotations

from typing import Any, AsyncIterator

import pytest

from backend.lib.valkey import make_client
from tests.builders import World, build_world


@pytest.fixture
async def world(fx_password_hash: str, fx_settings: Any) -> World:
    return await build_world(fx_password_hash)


@pytest.fixture
async def valkey(fx_settings: Any) -> AsyncIterator[Any]:
    """A plain Valkey client, as a `vigie worker` process holds in `ctx["valkey"]`."""
    client = make_client(fx_settings.valkey_url)
    yield client
    await client.aclose()
