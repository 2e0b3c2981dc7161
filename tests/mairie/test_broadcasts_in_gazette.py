"""A broadcast sent with the Gazette channel appears in the Gazette of the communities it was sent to
(issue 15, point 6: the helper that would show it was called only by a test), through the
Gazette's own API: on the first, unfiltered page, until its « fin d'alerte »."""

from __future__ import annotations

from tests.alerts.helpers import wait_settled
from backend.mairie.notify import BROADCAST_KIND
from tests.mairie.helpers import BROADCAST, town


async def test_a_broadcast_on_the_gazette_channel_heads_the_gazette_of_its_communities_only(
        api, fx_app, fx_settings, fx_password_hash, fx_push, fx_mail):
    t = await town(fx_settings, fx_password_hash, fx_push)
    staff = await api.as_user(t.world.email("staff"))
    market = await staff.post(f"/api/v1/communes/{t.world.commune}/broadcasts",
                              {**BROADCAST, "severity": "information", "category": "evenement",
                               "title": "Marché de Noël", "body": "Place de l'église, samedi de 9 h à 18 h.",
                               "community_ids": [t.world.sibling]})
    assert market.status_code == 201 and market.json()["channels"] == ["push", "gazette"], market.text
    flood = await staff.post(f"/api/v1/communes/{t.world.commune}/broadcasts", BROADCAST)  # push + e-mail only
    assert flood.status_code == 201 and "gazette" not in flood.json()["channels"]
    await wait_settled(market.json()["id"], kind=BROADCAST_KIND)
    await wait_settled(flood.json()["id"], kind=BROADCAST_KIND)

    reader = await api.as_user(t.world.email("other_member"))  # a member of the sibling community
    page = (await reader.get(f"/api/v1/communities/{t.world.sibling}/gazette")).json()
    assert [(b["id"], b["title"]) for b in page["broadcasts"]] == [(market.json()["id"], "Marché de Noël")]
    shown = page["broadcasts"][0]
    assert shown["commune_name"] == "Bellerive-sur-Loire" and shown["author"] is None and shown["delivery"] is None
    # Filtered or later pages carry the posts only.
    assert (await reader.get(f"/api/v1/communities/{t.world.sibling}/gazette?kind=news")).json()["broadcasts"] == []
    assert (await reader.get(f"/api/v1/communities/{t.world.sibling}/gazette?q=marché")).json()["broadcasts"] == []
    # Not sent to the first community: not in its Gazette.
    member = await api.as_user(t.world.email("member"))
    assert (await member.get(f"/api/v1/communities/{t.world.community}/gazette")).json()["broadcasts"] == []
    # A member of another community still cannot read this Gazette at all.
    assert (await member.get(f"/api/v1/communities/{t.world.sibling}/gazette")).status_code == 403

    # Its « fin d'alerte » takes it out of the Gazette.
    end = await staff.post(f"/api/v1/communes/{t.world.commune}/broadcasts/{market.json()['id']}/followups",
                           {"kind": "end", "body": "Le marché est terminé, merci à tous."})
    assert end.status_code == 201, end.text
    assert (await reader.get(f"/api/v1/communities/{t.world.sibling}/gazette")).json()["broadcasts"] == []
