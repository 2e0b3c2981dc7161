"""One alert, two languages (issue 14 item 4): members who chose English get its push, e-mail
and SMS in English, the others in French, from the same alert, on the real channels (push
receiver, mail catcher, SMS emulator); each notice is written once per language, not per person."""

from __future__ import annotations

from collections import Counter

import pytest

from backend.auth.tables import User
from backend.delivery.kinds import KINDS
from backend.delivery.schemas import Preferences
from tests.alerts.helpers import ALERT, idem, neighbourhood, wait_settled

ENGLISH_MEMBERS = 2


@pytest.fixture
def notice_calls(monkeypatch):
    """(kind, locale) of each notice the send jobs write."""
    calls: Counter = Counter()
    handler = KINDS["alert"]
    original = type(handler).notice

    async def counted(self, settings, ref_id, locale="fr"):
        calls[locale] += 1
        return await original(self, settings, ref_id, locale)

    monkeypatch.setattr(type(handler), "notice", counted)
    return calls


async def test_english_members_get_the_alert_in_english_and_the_others_in_french(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms, fx_mail, notice_calls):
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 4,
                               prefs_for=lambda i: Preferences(push=True, email=True, sms=True))
    english = set(hood.members[:ENGLISH_MEMBERS])
    await User.update({User.locale: "en"}).where(User.id.is_in(list(english)))
    author = await api.as_user("auteur@test.vigie.fr")
    r = await author.post(f"/api/v1/communities/{hood.community}/alerts", ALERT, headers=idem())
    assert r.status_code == 201, r.text
    alert_id = r.json()["id"]

    pushes = await fx_push.wait_for_async(4, timeout=30)
    mails = await fx_mail.wait_for_async(4, timeout=30)
    texts = await fx_sms.wait_for_async(4, timeout=30)
    rows = await wait_settled(alert_id)
    assert {r["state"] for r in rows} == {"sent"}

    owner = {fx_push.subscription_id(s): uid for uid in hood.members for s in hood.subs[uid]}
    for p in pushes:
        if owner[p.subscription_id] in english:
            assert p.json["title"] == "Suspicious vehicle — Camionnette blanche"
        else:
            assert p.json["title"] == "Véhicule suspect — Camionnette blanche"

    by_address = {m.rcpt_tos[0]: m.message for m in mails}
    for uid in hood.members:
        message = by_address[hood.emails[uid]]
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        if uid in english:
            assert message["Subject"] == "[Vigie] Suspicious vehicle — Les Tilleuls: Camionnette blanche"
            assert text.startswith(f"Hello Voisin{hood.members.index(uid)},")
            assert "New alert in the Les Tilleuls neighbourhood" in text and "Reported by Alice Auteur on " in text
            assert " at " in text and "Stop receiving alerts by e-mail" in text
            assert '<html lang="en">' in html and "See the alert" in html
            assert "Nouvelle alerte" not in text
        else:
            assert message["Subject"] == "[Vigie] Véhicule suspect — Les Tilleuls : Camionnette blanche"
            assert "Nouvelle alerte dans le quartier Les Tilleuls" in text and "Signalée par Alice Auteur le " in text
            assert '<html lang="fr">' in html and "Voir l'alerte" in html
        assert f"/#/alertes/{alert_id}" in text

    by_phone = {t.to: t.text for t in texts}
    for uid in hood.members:
        if uid in english:
            assert by_phone[hood.phones[uid]].startswith("VIGIE Les Tilleuls: Suspicious vehicle - Camionnette blanche.")
        else:
            assert by_phone[hood.phones[uid]].startswith("VIGIE Les Tilleuls : Véhicule suspect - Camionnette blanche.")

    # one notice per channel job and language (3 channels, one job each), whatever the number of people
    assert notice_calls == Counter({"en": 3, "fr": 3})


async def test_the_test_notification_is_in_the_members_language(api, fx_app, fx_settings, fx_password_hash, fx_push):
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 2)
    await User.update({User.locale: "en"}).where(User.id == hood.members[0])
    for uid, title in ((hood.members[0], "Vigie: test notification"), (hood.members[1], "Vigie : notification de test")):
        member = await api.as_user(hood.emails[uid])
        [device] = (await member.get("/api/v1/push/subscriptions")).json()
        fx_push.clear()
        assert (await member.post(f"/api/v1/push/subscriptions/{device['id']}/test")).status_code == 202
        [push] = await fx_push.wait_for_async(1, timeout=15)
        assert push.json["title"] == title


async def test_an_english_author_is_told_of_the_moderation_in_english(api, fx_app, fx_password_hash, fx_mail):
    from tests.builders import build_world

    w = await build_world(fx_password_hash)
    await User.update({User.locale: "en"}).where(User.email == w.email("member"))
    moderator = await api.as_user(w.email("moderator"))
    r = await moderator.post(f"/api/v1/moderation/alerts/{w.alert}", {"action": "remove", "reason": "Propos injurieux"})
    assert r.status_code == 200, r.text
    [mail] = await fx_mail.wait_for_async(1, timeout=10)
    assert mail.message["Subject"] == "Vigie: your alert was removed"
    text = mail.message.get_body(preferencelist=("plain",)).get_content()
    assert "was removed by the moderators." in text and "Reason: Propos injurieux" in text and text.startswith("Hello ")
