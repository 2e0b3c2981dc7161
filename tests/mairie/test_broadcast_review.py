"""The review before sending a broadcast (issue 14 item 6): the neighbourhoods with their people,
who will not be reached and why, the SMS cost in euros, and the SMS's link said to be created on
sending instead of a made-up number. Nothing is written."""

from __future__ import annotations

from backend.delivery import service as delivery
from backend.delivery.schemas import Preferences
from backend.delivery.tables import Delivery, Outbox
from backend.mairie.tables import Broadcast, SmsSpend
from tests.mairie.helpers import BROADCAST, town


async def test_review_lists_neighbourhoods_and_who_is_missed_and_why(api, fx_app, fx_settings, fx_password_hash,
                                                                    fx_push, fx_sms):
    t = await town(fx_settings, fx_password_hash, fx_push)
    w = t.world
    # other_member turned off push and e-mail; the referent has no device and turned e-mail off.
    await delivery.set_preferences(w.users["other_member"], Preferences(push=False, email=False))
    await delivery.set_preferences(w.users["referent"], Preferences(email=False))
    staff = await api.as_user(w.email("staff"))

    r = await staff.post(f"/api/v1/communes/{w.commune}/broadcasts/preview", BROADCAST)  # vigilance: push + e-mail
    assert r.status_code == 200, r.text
    p = r.json()
    # Les Tilleuls: member, referent, tilleul0-3; Centre-Bourg: other_member, bourg0-2 and tilleul0 (in both).
    assert p["communities"] == [{"community_id": w.sibling, "name": "Centre-Bourg", "people": 5},
                                {"community_id": w.community, "name": "Les Tilleuls", "people": 6}]
    assert p["recipients"] == len(t.audience) == 10
    # tilleul2 is in quiet hours; the other two have nothing left that reaches them.
    assert p["not_reached"] == {"quiet_hours": 1, "no_device": 1, "channels_off": 1}
    assert p["reached"] == 7
    assert p["skipped"]["email"] == {"channel_off": 3, "quiet_hours": 1}  # bourg0, other_member, referent; tilleul2
    # member, referent; other_member; tilleul2
    assert p["skipped"]["push"] == {"no_device": 2, "channel_off": 1, "quiet_hours": 1}
    assert p["sms_text"] == "" and p["sms_link"] == "" and p["sms_cost_cents"] == 0

    # Urgent: quiet hours and channel choices give way, SMS to every phone; the cost in cents.
    urgent = (await staff.post(f"/api/v1/communes/{w.commune}/broadcasts/preview",
                               {**BROADCAST, "severity": "urgence", "community_ids": [w.community]})).json()
    assert [c["name"] for c in urgent["communities"]] == ["Les Tilleuls"]
    assert urgent["recipients"] == urgent["reached"] == 6 and urgent["not_reached"] == {}
    assert fx_settings.sms_price_cents == 6
    assert urgent["sms_price_cents"] == 6 and urgent["sms_cost_cents"] == urgent["sms_total"] * 6 > 0
    # The SMS's words, and its link up to the number the broadcast gets when it is sent.
    assert urgent["sms_text"].startswith("MAIRIE Bellerive-sur-Loire - URGENCE : Crue de la Loire.")
    assert "9999999" not in urgent["sms_text"]
    assert urgent["sms_link"] == f"{fx_settings.base_url}/#/mairie/"
    assert "http" not in urgent["sms_text"]
    # A review writes nothing.
    for table in (Broadcast, Outbox, Delivery, SmsSpend):
        assert await table.count() == 0


async def test_review_of_a_broadcast_only_pinned_in_the_gazette_misses_nobody(api, fx_app, fx_settings,
                                                                               fx_password_hash, fx_push):
    t = await town(fx_settings, fx_password_hash, fx_push)
    staff = await api.as_user(t.world.email("staff"))
    p = (await staff.post(f"/api/v1/communes/{t.world.commune}/broadcasts/preview",
                          {**BROADCAST, "channels": ["gazette"]})).json()
    assert p["by_channel"] == {} and p["not_reached"] == {} and p["skipped"] == {} and p["reached"] == 0
    assert sum(c["people"] for c in p["communities"]) == 11
