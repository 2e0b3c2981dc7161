"""« SMS de secours » of a mairie urgence: paid from the commune's monthly SMS budget; once it is
spent, the others are not sent and their record says why. Silent phones on the dashboard."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from backend.delivery.receipts import BUDGET_SPENT, check_receipts
from backend.delivery.tables import Delivery, PushSubscription
from backend.lib import clock
from backend.mairie.notify import BROADCAST_KIND
from backend.mairie.tables import SmsSpend
from tests.alerts.helpers import wait_settled
from tests.mairie.helpers import BROADCAST, town


async def test_urgence_fallback_sms_stop_when_the_commune_budget_is_spent(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_sms, fx_mail):
    t = await town(fx_settings, fx_password_hash, fx_push)
    staff = await api.as_user(t.world.email("staff"))
    admin = await api.as_user(t.world.email("admin"))
    r = await admin.put(f"/api/v1/communes/{t.world.commune}/sms-budget", {"monthly_budget": 2})  # one SMS of 2 segments
    assert r.status_code == 200, r.text
    r = await staff.post(f"/api/v1/communes/{t.world.commune}/broadcasts",
                         {**BROADCAST, "severity": "urgence", "title": "Évacuation du quai", "channels": ["push"]})
    assert r.status_code == 201, r.text
    b = r.json()
    with_device = {uid for name, uid in t.residents.items() if not name.startswith("montval")}
    await fx_push.wait_for_async(len(with_device), timeout=20)
    await wait_settled(b["id"], kind=BROADCAST_KIND)
    assert not fx_sms.messages  # push only

    clock.advance(timedelta(minutes=3, seconds=5))  # nobody's phone said « received »
    ctx = {"settings": fx_app.state.settings, "queues": fx_app.state.queues}
    await asyncio.gather(check_receipts(ctx), check_receipts(ctx))
    [text] = await fx_sms.wait_for_async(1, timeout=20)
    assert text.text.startswith("MAIRIE Bellerive-sur-Loire - URGENCE : ")
    rows = await wait_settled(b["id"], kind=BROADCAST_KIND)
    sms = [r for r in rows if r["channel"] == "sms"]
    assert len(sms) == len(with_device) and all(r["fallback"] for r in sms)  # only those whose push went
    assert sorted(r["state"] for r in sms) == ["sent"] + ["skipped"] * (len(with_device) - 1)
    assert {r["reason"] for r in sms if r["state"] == "skipped"} == {BUDGET_SPENT}
    spend = await SmsSpend.select().where(SmsSpend.ref_id == b["id"]).first()
    assert spend["segments"] == 2
    budget = (await staff.get(f"/api/v1/communes/{t.world.commune}/sms-budget")).json()
    assert budget["remaining"] == 0

    # The mairie sees it: the reach of the broadcast, and silent phones once one is flagged.
    await PushSubscription.update({PushSubscription.silent_since: clock.now(), PushSubscription.missed: 3}).where(
        PushSubscription.user == t.residents["tilleul0"])
    await PushSubscription.update({PushSubscription.silent_since: clock.now(), PushSubscription.missed: 3}).where(
        PushSubscription.user == t.residents["montval0"])  # the other commune: not counted here
    dash = (await staff.get(f"/api/v1/communes/{t.world.commune}/dashboard")).json()
    assert dash["silent_devices"] == 1
    [reach] = [x for x in dash["broadcast_reach"] if x["broadcast_id"] == b["id"] and x["channel"] == "sms"]
    assert reach["fallback"] == 1 and reach["sent"] == 1 and reach["skipped"] == len(with_device) - 1
    assert await Delivery.count().where(Delivery.fallback == True) == len(with_device)  # noqa: E712
