"""« SMS de secours »: an urgent push not received in time goes by SMS, once; silent devices are flagged.

Real loopback push service and SMS emulator, the app's in-process workers (their periodic
receipt check racing the test's own calls), and the app's clock moved past the delay.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from backend.auth.tables import User
from backend.delivery.receipts import BUDGET_SPENT, check_receipts
from backend.delivery.schemas import Preferences
from backend.delivery.tables import Delivery, PushSubscription
from backend.lib import clock
from tests.alerts.helpers import ALERT, idem, neighbourhood, wait_settled
from tests.fixtures.channels import fx_app  # noqa: F401  (fixture: the app on the real channels)

URGENT = {**ALERT, "category": "burglary_in_progress", "title": "Cambriolage en cours", "place": "Rue des Lilas"}
RECEIVES, SILENT, NO_CONSENT, LANDLINE, CHOSE_SMS = range(5)


def prefs(i: int) -> Preferences:
    if i == NO_CONSENT:
        return Preferences(sms_fallback=False)
    if i == CHOSE_SMS:
        return Preferences(sms=True)
    return Preferences()


@pytest.fixture
def fx_delivery_overrides(fx_delivery_overrides: dict[str, Any]) -> dict[str, Any]:
    """The app's workers run their periodic receipt check every 0.3 s: it races the test's own calls."""
    return {**fx_delivery_overrides, "receipt_check_seconds": 0.3}


async def post_alert(author, hood, fx_push, body) -> tuple[int, dict[int, dict]]:
    """Post, wait for the five pushes; returns the alert id and each member's push payload."""
    fx_push.clear()
    r = await author.post(f"/api/v1/communities/{hood.community}/alerts", body, headers=idem())
    assert r.status_code == 201, r.text
    alert_id = r.json()["id"]
    pushes = [p for p in await fx_push.wait_for_async(5, timeout=30) if p.json["alert_id"] == alert_id]
    await wait_settled(alert_id)
    by_sub = {fx_push.subscription_id(s): uid for uid, subs in hood.subs.items() for s in subs}
    return alert_id, {by_sub[p.subscription_id]: p.json for p in pushes}


async def check_like_two_workers(app) -> None:
    ctx = {"settings": app.state.settings, "queues": app.state.queues}
    await asyncio.gather(check_receipts(ctx), check_receipts(ctx))


async def wait_rows(predicate, timeout: float = 20.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        rows = await Delivery.select()
        if predicate(rows):
            return rows
        assert asyncio.get_running_loop().time() < deadline, sorted(
            (r["user"], r["channel"], r["state"], r["fallback"]) for r in rows)
        await asyncio.sleep(0.1)


async def test_urgent_alert_not_received_goes_by_sms_once_after_the_delay_and_never_for_a_normal_one(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms, fx_mail):
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 5, prefs_for=prefs)
    m = hood.members
    await User.update({User.phone: "+33140000000", User.phone_mobile: False}).where(  # a landline: no SMS
        User.id == m[LANDLINE])
    author = await api.as_user("auteur@test.vigie.fr")
    receiver = await api.as_user(hood.emails[m[RECEIVES]])

    alert_id, payload = await post_alert(author, hood, fx_push, URGENT)
    texts = await fx_sms.wait_for_async(1, timeout=20)  # the member who chose SMS, by the fan-out
    assert [t.to for t in texts] == [hood.phones[m[CHOSE_SMS]]]
    r = await receiver.post(f"/api/v1/deliveries/{payload[m[RECEIVES]]['delivery_id']}/receipt",
                            {"event": "received", "device": payload[m[RECEIVES]]["device"]})
    assert r.status_code == 204, r.text

    # Before the delay: nothing.
    clock.advance(timedelta(minutes=2, seconds=50))
    await check_like_two_workers(fx_app)
    await asyncio.sleep(1.0)  # the periodic check runs every 0.3 s meanwhile
    assert [t.to for t in fx_sms.messages] == [hood.phones[m[CHOSE_SMS]]]

    # After it: only the silent member who consented and has a mobile, once, though checked many times.
    clock.advance(timedelta(seconds=15))
    await check_like_two_workers(fx_app)
    texts = await fx_sms.wait_for_async(2, timeout=20)
    await check_like_two_workers(fx_app)
    await asyncio.sleep(1.0)
    assert Counter(t.to for t in fx_sms.messages) == Counter({hood.phones[m[SILENT]]: 1, hood.phones[m[CHOSE_SMS]]: 1})
    fallback = next(t for t in texts if t.to == hood.phones[m[SILENT]])
    assert "Cambriolage en cours" in fallback.text and f"/#/alertes/{alert_id}" in fallback.text
    rows = await wait_settled(alert_id)
    sms = {r["user"]: r for r in rows if r["channel"] == "sms"}
    assert sms[m[SILENT]]["state"] == "sent" and sms[m[SILENT]]["fallback"] is True
    assert sms[m[CHOSE_SMS]]["fallback"] is False
    assert {sms[u]["state"] for u in (m[RECEIVES], m[NO_CONSENT], m[LANDLINE])} == {"skipped"}
    assert not any(sms[u]["fallback"] for u in (m[RECEIVES], m[NO_CONSENT], m[LANDLINE]))

    # The record shows it: the author's counts, the member's own rows.
    detail = (await author.get(f"/api/v1/alerts/{alert_id}")).json()["delivery"]
    assert detail["sms"]["sent"] == 2 and detail["sms"]["fallback"] == 1
    silent = await api.as_user(hood.emails[m[SILENT]])
    mine = (await silent.get(f"/api/v1/alerts/{alert_id}")).json()["delivery"]["mine"]
    assert [d["fallback"] for d in mine if d["channel"] == "sms"] == [True]

    # A normal alert: the silent members get no SMS, however late.
    normal_id, _ = await post_alert(author, hood, fx_push, ALERT)
    await fx_sms.wait_for_async(3, timeout=20)  # the member who chose SMS, by the fan-out
    fx_sms.clear()
    clock.advance(timedelta(minutes=10))
    await check_like_two_workers(fx_app)
    await asyncio.sleep(1.0)
    assert fx_sms.messages == []
    rows = await Delivery.select().where((Delivery.ref_id == normal_id) & (Delivery.channel == "push"))
    assert {r["watch"] for r in rows} == {""}  # looked at, once


async def test_a_device_silent_three_times_is_flagged_mailed_once_counted_and_cleared_by_a_receipt(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms, fx_mail):
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 5, prefs_for=prefs)
    m = hood.members
    author = await api.as_user("auteur@test.vigie.fr")
    receiver = await api.as_user(hood.emails[m[RECEIVES]])
    silent = await api.as_user(hood.emails[m[SILENT]])

    for n in range(3):
        _, payload = await post_alert(author, hood, fx_push, {**ALERT, "title": f"Camionnette {n}"})
        await receiver.post(f"/api/v1/deliveries/{payload[m[RECEIVES]]['delivery_id']}/receipt",
                            {"event": "received", "device": payload[m[RECEIVES]]["device"]})
        clock.advance(timedelta(minutes=4))
        await check_like_two_workers(fx_app)
        devices = (await silent.get("/api/v1/push/subscriptions")).json()
        assert [d["missed"] for d in devices] == [n + 1] and [d["silent"] for d in devices] == [n == 2]
    assert [d["silent"] for d in (await receiver.get("/api/v1/push/subscriptions")).json()] == [False]

    # The member is told by e-mail, once.
    mails = await fx_mail.wait_for_async(1, timeout=20)
    clock.advance(timedelta(minutes=4))
    await post_alert(author, hood, fx_push, {**ALERT, "title": "Camionnette 4"})
    clock.advance(timedelta(minutes=4))
    await check_like_two_workers(fx_app)
    await asyncio.sleep(1.0)
    silent_mails = [x for x in fx_mail.messages if list(x.rcpt_tos) == [hood.emails[m[SILENT]]]
                    and "ne reçoit plus" in x.message["Subject"]]
    assert len(silent_mails) == 1 and mails
    text = silent_mails[0].message.get_body(preferencelist=("plain",)).get_content()
    assert "Ce téléphone ne reçoit plus les notifications" in text and "téléphone 1" in text

    # A received push clears the flag.
    sub = (await PushSubscription.select().where(PushSubscription.user == m[SILENT]).first())
    _, payload = await post_alert(author, hood, fx_push, {**ALERT, "title": "Camionnette 5"})
    r = await silent.post(f"/api/v1/deliveries/{payload[m[SILENT]]['delivery_id']}/receipt",
                          {"event": "received", "device": sub["id"]})
    assert r.status_code == 204
    assert [(d["missed"], d["silent"]) for d in (await silent.get("/api/v1/push/subscriptions")).json()] == [(0, False)]
    # Another member cannot clear it, and a device that is not theirs is ignored.
    row = await PushSubscription.select().where(PushSubscription.user == m[SILENT]).first()
    await PushSubscription.update({PushSubscription.missed: 3, PushSubscription.silent_since: clock.now()}).where(
        PushSubscription.id == row["id"])
    await receiver.post(f"/api/v1/deliveries/{payload[m[RECEIVES]]['delivery_id']}/receipt",
                        {"event": "received", "device": row["id"]})
    assert [d["silent"] for d in (await silent.get("/api/v1/push/subscriptions")).json()] == [True]


async def test_fallback_preference_is_on_by_default_and_can_be_turned_off(api, fx_app, fx_settings, fx_password_hash,
                                                                          fx_push):
    hood = await neighbourhood(fx_settings, fx_password_hash, fx_push, 1)
    member = await api.as_user(hood.emails[hood.members[0]])
    assert (await member.get("/api/v1/me/preferences")).json()["sms_fallback"] is True
    r = await member.put("/api/v1/me/preferences", {"push": True, "email": True, "sms": False, "sms_fallback": False})
    assert r.status_code == 200 and r.json()["sms_fallback"] is False
    # A PUT without it (an older page) leaves it as it is.
    r = await member.put("/api/v1/me/preferences", {"push": True, "email": False, "sms": False})
    assert r.json()["sms_fallback"] is False and r.json()["email"] is False
