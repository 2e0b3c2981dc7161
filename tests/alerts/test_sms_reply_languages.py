"""Replies to SMS sent to Vigie in the member's language (issue 14, item 4): an English-speaking
member who texts AIDE, a bare « OK », an alert or STOP is answered in English; the command words
they text stay the French ones (and HELP). A French member's replies are unchanged (other tests)."""

from __future__ import annotations

from backend.alerts.tables import Alert
from backend.auth.tables import User
from tests.alerts.helpers import neighbourhood
from tests.alerts.test_sms_bare_words import text_vigie

PHONE = "+33699999999"


async def test_an_english_member_is_answered_in_english(api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms):
    await neighbourhood(fx_settings, fx_password_hash, fx_push, 1)
    await User.update({User.locale: "en"}).where(User.phone == PHONE)

    assert (await text_vigie(api, PHONE, "Aide", "en-help"))["status"] == "help_sent"
    assert (await text_vigie(api, PHONE, "OK", "en-bare"))["status"] == "not_an_alert"
    assert (await text_vigie(api, PHONE, "Fumée rue des Lilas", "en-alert"))["status"] == "alert_created"
    assert (await text_vigie(api, PHONE, "STOP", "en-stop"))["status"] == "sms_off"
    replies = [m for m in await fx_sms.wait_for_async(4, timeout=15) if m.to == PHONE]
    texts = sorted(r.text for r in replies)
    assert len(texts) == 4, texts
    assert any(t.startswith("Vigie: text a description of the situation") and "STOP or ARRET" in t for t in texts)
    assert any('your reply "OK" answers no open request, nothing was sent' in t for t in texts)
    assert any(t.startswith("Vigie: your alert has been sent to the neighbours of ") for t in texts)
    assert any(t == "Vigie: you will no longer receive alerts by SMS. Turn them back on in the app." for t in texts)
    assert not any("Vigie :" in t for t in texts), texts  # nothing left in French
    assert await Alert.count() == 1
