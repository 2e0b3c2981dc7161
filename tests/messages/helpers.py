"""Shared steps of the messaging tests: a neighbourhood, people's clients, conversations."""

from __future__ import annotations

import itertools
from typing import Any

from backend.delivery import service as delivery
from backend.delivery.schemas import SubscriptionIn, SubscriptionKeys
from tests.builders import World, add_members, build_world

_keys = itertools.count(1)


def idem() -> dict[str, str]:
    return {"Idempotency-Key": f"message-key-{next(_keys):06d}"}


async def neighbourhood(password_hash: str, extra: int = 3) -> World:
    """The guard-matrix world plus `extra` members of its community (w.users["voisin0"]…)."""
    w = await build_world(password_hash)
    for i, user_id in enumerate(await add_members(password_hash, w.community, extra)):
        w.users[f"voisin{i}"] = user_id
    return w


async def with_device(settings: Any, receiver: Any, user_id: int) -> dict[str, Any]:
    sub = receiver.new_subscription()
    await delivery.subscribe(settings, user_id, SubscriptionIn(endpoint=sub["endpoint"],
                                                               keys=SubscriptionKeys(**sub["keys"])))
    return sub


async def open_conversation(client: Any, community: int, *user_ids: int, title: str = "") -> dict[str, Any]:
    r = await client.post(f"/api/v1/communities/{community}/conversations",
                          {"participant_ids": list(user_ids), "title": title})
    assert r.status_code in (200, 201), r.text
    return r.json()


async def say(client: Any, conversation_id: int, body: str, status: int = 201) -> dict[str, Any]:
    r = await client.post(f"/api/v1/messages/conversations/{conversation_id}/messages", {"body": body},
                          headers=idem())
    assert r.status_code == status, r.text
    return r.json()
