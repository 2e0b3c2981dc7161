"""Alerts by SMS: a bare command word or answer (« OUI », « OK ! », « non », « Aide »…) sent when
nothing is open is never an alert; the sender gets an SMS saying so and how to alert."""

from __future__ import annotations

import asyncio

import pytest

from backend.alerts.sms_commands import is_bare_reply
from backend.alerts.tables import Alert
from backend.delivery.tables import Outbox
from tests.fixtures.channels import SMS_SECRET
from tests.alerts.helpers import neighbourhood
from tests.fixtures.sms_emulator import inbound_request

BARE = ["OUI", "Oui.", "oui !", "OK", "OK !", "  ok merci  ", "NON", "non...", "Ouais", "d'accord", "Tout va bien",
        "Rien à signaler", "?", "12", "Merci beaucoup !", "Bonjour"]
CONTENT = ["Feu", "Au feu !", "Cambriolage", "Aide moi je suis tombée", "Vu un homme dans le jardin du 12",
           "Fumée rue des Lilas", "Okapi échappé"]


@pytest.mark.parametrize("text", BARE)
def test_bare_words_have_no_content(text):
    assert is_bare_reply(text)


@pytest.mark.parametrize("text", CONTENT)
def test_a_few_words_of_content_are_an_alert(text):
    assert not is_bare_reply(text)


async def text_vigie(api, phone: str, text: str, message_id: str) -> dict:
    body, headers = inbound_request(SMS_SECRET, from_=phone, text=text, message_id=message_id)
    r = await api("provider").http.post("/api/v1/sms/inbound", content=body,
                                        headers={**headers, "content-type": "application/json"})
    assert r.status_code == 200, r.text
    return r.json()


async def test_late_bare_answers_create_no_alert_and_are_answered(api, fx_app, fx_settings, fx_password_hash,
                                                                   fx_push, fx_sms, fx_mail):
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 2)
    words = ["OUI", "Oui.", "OK !", " non ", "ok merci", "Rien à signaler", "?"]
    for i, text in enumerate(words):
        answer = await text_vigie(api, "+33699999999", text, f"bare-{i}")
        assert answer == {"status": "not_an_alert"}, text
    replies = await fx_sms.wait_for_async(len(words), timeout=10)
    assert {r.to for r in replies} == {"+33699999999"}
    assert all("rien n'a été envoyé" in r.text and "décrivez la situation" in r.text for r in replies)
    assert any("« OUI »" in r.text for r in replies) and any("« OK MERCI »" in r.text for r in replies)
    # Nothing was created nor sent to the neighbours, on any channel.
    assert await Alert.count() == 0 and await Outbox.count() == 0
    await asyncio.sleep(0.5)
    assert len(fx_sms.messages) == len(words) and not fx_push.received and not fx_mail.messages
    assert hood.members


async def test_stop_and_arret_with_punctuation_are_still_commands(api, fx_app, fx_settings, fx_password_hash,
                                                                  fx_push, fx_sms):
    await neighbourhood(fx_settings, fx_password_hash, fx_push, 1)
    assert (await text_vigie(api, "+33699999999", "Stop !", "stop-1"))["status"] == "sms_off"
    assert (await text_vigie(api, "+33699999999", "  Arrêt. ", "stop-2"))["status"] == "sms_off"
    assert (await text_vigie(api, "+33699999999", "Aide ?", "help-1"))["status"] == "help_sent"
    assert await Alert.count() == 0


async def test_a_short_description_is_still_an_alert(api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    await neighbourhood(fx_settings, fx_password_hash, fx_push, 1)
    answer = await text_vigie(api, "+33699999999", "Au feu !", "content-1")
    assert answer["status"] == "alert_created"
    assert (await Alert.select(Alert.title).first())["title"] == "Au feu !"
