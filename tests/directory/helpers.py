"""Shared steps of the directory tests: neighbours with chosen profiles."""

from __future__ import annotations

from typing import Any

from backend.demo import make_user
from tests.builders import World


async def neighbour(w: World, password_hash: str, key: str, first: str, last: str, address: str,
                    phone: str, community: int | None = None, **options: Any) -> int:
    """A member of `community` (default: the world's) registered in `w.users[key]`."""
    user_id = await make_user(f"{key}@test.vigie.fr", first, last, password_hash=password_hash, phone=phone,
                              community_id=community or w.community, address_line1=address, **options)
    w.users[key] = user_id
    return user_id


async def set_profile(api: Any, email: str, **fields: Any) -> dict[str, Any]:
    client = await api.as_user(email)
    response = await client.patch("/api/v1/directory/me", fields)
    assert response.status_code == 200, response.text
    return response.json()
