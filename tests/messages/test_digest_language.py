"""The message digest e-mail in the member's language (issue 14 item 4)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.auth.tables import User
from backend.lib import clock
from tests.builders import World
from tests.messages.helpers import neighbourhood, open_conversation, say
from tests.messages.test_message_notifications import digest_round, text_of


@pytest.fixture
async def world(fx_password_hash, fx_settings) -> World:
    return await neighbourhood(fx_password_hash, extra=4)


async def test_a_member_who_chose_english_gets_the_digest_in_english(api, fx_app, fx_settings, fx_mail, world):
    u = world.users
    await User.update({User.locale: "en"}).where(User.id == u["voisin0"])
    bob = await api.as_user(world.email("voisin0"))
    r = await bob.put("/api/v1/me/preferences", {"push": True, "email": True, "sms": False, "email_messages": True})
    assert r.status_code == 200
    alice = await api.as_user(world.email("member"))
    conv = await open_conversation(alice, world.community, u["voisin0"], u["voisin1"])
    await say(alice, conv["id"], "Bonjour, la fête est samedi")
    clock.advance(timedelta(minutes=6))
    [digest] = await digest_round(fx_app, fx_settings)
    [mail] = await fx_mail.wait_for_async(1, timeout=30)
    assert mail.message["Subject"] == "[Vigie] 1 new message"
    text = text_of(mail)
    assert "You have unread messages on Vigie:" in text and "Bonjour, la fête est samedi" in text
    assert "Read and reply: " in text and ", on " in text and " at " in text
    assert "Vous avez des messages" not in text
    assert '<html lang="en">' in mail.message.get_body(preferencelist=("html",)).get_content()
