"""The live stream never carries what a member may no longer read: an alert hidden or removed by
the moderation, or a Gazette post removed, is announced by its id and new state only."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from backend.auth import sessions
from tests.builders import World
from tests.gazette.helpers import new_post
from tests.live.sse import SseStream, wait_until

SECRET_WORDS = ("Camionnette blanche", "Elle tourne dans la rue")


@asynccontextmanager
async def live(app: Any, world: World, role: str, valkey: Any, channel: str) -> AsyncIterator[SseStream]:
    token = await sessions.create_session(world.users[role], 3600)
    async with SseStream(app, "/api/v1/live", token) as stream:
        assert stream.status == 200
        await stream.next_message()  # the `retry:` opening

        async def subscribed() -> bool:
            return dict(await valkey.pubsub_numsub(channel))[channel.encode()] > 0

        await wait_until(subscribed, f"a subscriber on {channel}")
        yield stream


async def test_hiding_or_removing_an_alert_sends_members_only_its_id_and_state(fx_app, api, world, valkey):
    moderator = await api.as_user(world.email("moderator"))
    async with live(fx_app, world, "referent", valkey, f"community:{world.community}") as stream:
        for action, state in (("hide", "hidden"), ("remove", "removed")):
            r = await moderator.post(f"/api/v1/moderation/alerts/{world.alert}", {"action": action, "reason": "Hors sujet"})
            assert r.status_code == 200
            message = await stream.next_event()
            assert message.event == "moderation.changed"
            assert json.loads(message.data) == {"id": world.alert, "community_id": world.community, "moderation": state}
            assert not any(word in message.data for word in SECRET_WORDS + ("Hors sujet",))
        # Approved again, members may read it again: the event carries the alert.
        await moderator.post(f"/api/v1/moderation/alerts/{world.alert}", {"action": "approve"})
        again = json.loads((await stream.next_event()).data)
        assert again["moderation"] == "approved" and again["title"] == "Camionnette blanche"


async def test_author_closing_a_hidden_alert_does_not_republish_it(fx_app, api, world, valkey):
    moderator = await api.as_user(world.email("moderator"))
    author = await api.as_user(world.email("member"))
    await moderator.post(f"/api/v1/moderation/alerts/{world.alert}", {"action": "hide", "reason": "Doublon"})
    async with live(fx_app, world, "referent", valkey, f"community:{world.community}") as stream:
        r = await author.post(f"/api/v1/alerts/{world.alert}/resolve", {"resolution": "resolved"})
        assert r.status_code == 200 and r.json()["title"] == "Camionnette blanche"  # the author still reads it
        message = await stream.next_event()
        assert message.event == "alert.updated"
        assert json.loads(message.data) == {"id": world.alert, "community_id": world.community, "moderation": "hidden"}


async def test_a_removed_gazette_post_is_announced_without_its_title(fx_app, api, world, valkey):
    member = await api.as_user(world.email("member"))
    referent = await api.as_user(world.email("referent"))
    post = await new_post(member, world.community, "classified", title="Vends scooter volé")
    async with live(fx_app, world, "member", valkey, f"community:{world.community}") as stream:
        r = await referent.post(f"/api/v1/gazette/posts/{post['id']}/remove", {"reason": "Objet volé"})
        assert r.status_code == 200
        message = await stream.next_event()
        assert message.event == "gazette.post_removed"
        assert json.loads(message.data) == {"post_id": post["id"], "community_id": world.community,
                                             "commune_id": world.commune, "state": "removed"}
        assert "scooter" not in message.data
