"""A new message: a push to each other participant, live events, and for those who chose it an
e-mail digest at most every 15 minutes, never mailing the same message twice."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from backend.delivery.service import LOCAL_TZ
from backend.delivery.tables import Delivery, DeliveryPreference
from backend.lib import clock
from backend.lib.valkey import make_client
from backend.messages.jobs import send_message_digests
from backend.messages.notify import DIGEST_KIND
from backend.messages.tables import MessageDigest
from tests.alerts.helpers import wait_settled
from tests.builders import World
from tests.messages.helpers import neighbourhood, open_conversation, say, with_device


@pytest.fixture
async def world(fx_password_hash, fx_settings) -> World:
    return await neighbourhood(fx_password_hash, extra=4)


async def test_new_message_is_pushed_once_to_each_other_participant(api, fx_app, fx_settings, fx_push, fx_mail,
                                                                    world):
    u = world.users
    devices = {key: await with_device(fx_settings, fx_push, u[key]) for key in ("member", "voisin0", "voisin1",
                                                                                 "voisin3")}
    alice = await api.as_user(world.email("member"))
    conv = await open_conversation(alice, world.community, u["voisin0"], u["voisin1"], u["voisin2"], u["voisin3"],
                                   title="Fête des voisins")
    blocker = await api.as_user(world.email("voisin3"))  # voisin3 blocked Alice: told nothing
    await blocker.post("/api/v1/messages/blocks", {"user_id": u["member"]})
    message = await say(alice, conv["id"], "On commence à 19 h, apportez un plat !")

    pushes = await fx_push.wait_for_async(2, timeout=30)
    rows = await wait_settled(message["id"], kind="message")
    assert {p.subscription_id for p in pushes} == {fx_push.subscription_id(devices[k]) for k in ("voisin0", "voisin1")}
    for p in pushes:
        assert p.json["event"] == "message" and p.json["url"] == f"/#/messages/{conv['id']}"
        assert p.json["tag"] == f"conversation-{conv['id']}" and p.json["title"] == "Member Test · Fête des voisins"
        assert p.json["body"] == "On commence à 19 h, apportez un plat !" and p.json["community"] == "Les Tilleuls"
    states = {(r["user"], r["channel"]): (r["state"], r["reason"]) for r in rows}
    assert states == {(u["voisin0"], "push"): ("sent", ""), (u["voisin1"], "push"): ("sent", ""),
                      (u["voisin2"], "push"): ("skipped", "aucun appareil abonné")}
    assert fx_push.for_subscription(devices["member"]) == [] and fx_push.for_subscription(devices["voisin3"]) == []
    assert fx_mail.messages == []  # nobody chose e-mail


async def next_event(pubsub: Any, timeout: float = 10.0) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
        if message is not None:
            return json.loads(message["data"])
    raise AssertionError("no live event")


async def test_new_message_is_announced_live_to_participants_not_to_who_blocked_the_author(api, fx_app, fx_settings,
                                                                                          world):
    u = world.users
    alice = await api.as_user(world.email("member"))
    conv = await open_conversation(alice, world.community, u["voisin0"], u["voisin1"])
    await (await api.as_user(world.email("voisin1"))).post("/api/v1/messages/blocks", {"user_id": u["member"]})
    client = make_client(fx_settings.valkey_url)
    listeners = {key: client.pubsub() for key in ("member", "voisin0", "voisin1", "voisin2")}
    try:
        for key, pubsub in listeners.items():
            await pubsub.subscribe(f"user:{u[key]}")
        message = await say(alice, conv["id"], "Coucou")
        for key in ("member", "voisin0"):
            event = await next_event(listeners[key])
            assert event["type"] == "message.created" and event["data"]["id"] == message["id"]
            assert event["data"]["conversation_id"] == conv["id"] and event["data"]["body"] == "Coucou"
        for key in ("voisin1", "voisin2"):  # a marker published after: nothing came before it
            await client.publish(f"user:{u[key]}", json.dumps({"type": "marker"}))
            assert (await next_event(listeners[key]))["type"] == "marker"
    finally:
        for pubsub in listeners.values():
            await pubsub.aclose()
        await client.aclose()


async def digest_round(fx_app: Any, fx_settings: Any) -> list[dict[str, Any]]:
    """Run the periodic job once (as the worker would) and wait until its e-mails are settled."""
    await send_message_digests({"queues": fx_app.state.queues, "settings": fx_settings})
    digests = await MessageDigest.select().order_by(MessageDigest.id)
    for d in digests:
        await wait_settled(d["id"], kind=DIGEST_KIND)
    return digests


def text_of(mail: Any) -> str:
    return mail.message.get_body(preferencelist=("plain",)).get_content()


async def test_email_digest_at_most_every_15_minutes_and_never_twice(api, fx_app, fx_settings, fx_mail, world):
    u = world.users
    bob = await api.as_user(world.email("voisin0"))  # chose e-mail for messages; voisin1 did not
    r = await bob.put("/api/v1/me/preferences", {"push": True, "email": True, "sms": False, "email_messages": True})
    assert r.status_code == 200 and r.json()["email_messages"] is True
    kept = await bob.put("/api/v1/me/preferences", {"push": True, "email": True, "sms": False})
    assert kept.json()["email_messages"] is True  # a client unaware of the field does not turn it off
    alice = await api.as_user(world.email("member"))
    conv = await open_conversation(alice, world.community, u["voisin0"], u["voisin1"])

    await say(alice, conv["id"], "Premier message, avec un $ dedans")
    assert await digest_round(fx_app, fx_settings) == []  # too fresh: it may be read after its push
    clock.advance(timedelta(minutes=6))
    [first] = await digest_round(fx_app, fx_settings)
    [mail] = await fx_mail.wait_for_async(1, timeout=30)
    assert mail.rcpt_tos == ("voisin0@test.vigie.fr",) and mail.message["Subject"] == "[Vigie] 1 nouveau message"
    text = text_of(mail)
    assert "Member Test" in text and "Premier message, avec un $ dedans" in text and "/#/messages" in text

    await say(alice, conv["id"], "Deuxième message")
    clock.advance(timedelta(minutes=6))
    assert len(await digest_round(fx_app, fx_settings)) == 1  # the last digest is only 6 minutes old
    clock.advance(timedelta(minutes=10))
    digests = await digest_round(fx_app, fx_settings)
    assert len(digests) == 2 and digests[1]["after_id"] == first["up_to_id"]
    mails = await fx_mail.wait_for_async(2, timeout=30)
    assert "Deuxième message" in text_of(mails[1]) and "Premier message" not in text_of(mails[1])
    clock.advance(timedelta(minutes=30))
    assert len(await digest_round(fx_app, fx_settings)) == 2  # nothing new: nothing mailed again

    # Read in the app before the digest is due: never mailed.
    await bob.post(f"/api/v1/messages/conversations/{conv['id']}/read", {})
    await say(alice, conv["id"], "Troisième message")
    await bob.post(f"/api/v1/messages/conversations/{conv['id']}/read", {})
    clock.advance(timedelta(minutes=20))
    assert len(await digest_round(fx_app, fx_settings)) == 2
    assert len(fx_mail.messages) == 2
    assert await Delivery.count().where(Delivery.kind == DIGEST_KIND) == 2

    # The link in the mail turns message e-mails off, and only them.
    link = re.search(r"https?://\S+(/api/v1/email/unsubscribe\?token=\S+&what=messages)", text)
    page = await api().get(link.group(1))
    assert page.status_code == 200 and "les messages" in page.text
    prefs = await DeliveryPreference.select().where(DeliveryPreference.user == u["voisin0"]).first()
    assert prefs["email_messages"] is False and prefs["email"] is True


async def test_digest_waits_for_the_end_of_quiet_hours(api, fx_app, fx_settings, fx_mail, world):
    u = world.users
    local = datetime.now(LOCAL_TZ)
    bob = await api.as_user(world.email("voisin0"))
    await bob.put("/api/v1/me/preferences", {"push": True, "email": True, "sms": False, "email_messages": True,
                                             "quiet_start": (local - timedelta(hours=1)).strftime("%H:%M"),
                                             "quiet_end": (local + timedelta(hours=1)).strftime("%H:%M")})
    alice = await api.as_user(world.email("member"))
    conv = await open_conversation(alice, world.community, u["voisin0"])
    await say(alice, conv["id"], "Tu dors ?")
    clock.advance(timedelta(minutes=10))
    assert await digest_round(fx_app, fx_settings) == []
    clock.advance(timedelta(hours=2))
    assert len(await digest_round(fx_app, fx_settings)) == 1
    [mail] = await fx_mail.wait_for_async(1, timeout=30)
    assert "Tu dors ?" in text_of(mail)
