"""The alerts feed of a community: newest first, paged, hidden alerts for moderators only."""

from __future__ import annotations

from backend.alerts.tables import Alert
from tests.builders import build_world


async def test_feed_pages_newest_first_and_hides_moderated_alerts_from_members(api, fx_app, fx_password_hash):
    w = await build_world(fx_password_hash)
    ids = [w.alert]
    for i in range(4):
        rows = await Alert.insert(Alert(community=w.community, author=w.users["referent"], category="fire_smoke",
                                        title=f"Fumée n°{i}", body="Derrière l'école.", place="Rue de l'École",
                                        moderation="hidden" if i == 1 else "approved")).returning(Alert.id)
        ids.append(rows[0]["id"])
    hidden = ids[2]
    await Alert.insert(Alert(community=w.sibling, author=w.users["other_member"], category="other",
                             title="Ailleurs", body="Pas dans ce quartier."))
    feed = f"/api/v1/communities/{w.community}/alerts"

    member = await api.as_user(w.email("member"))
    first = (await member.get(feed, params={"limit": 2})).json()
    assert [a["id"] for a in first["items"]] == [ids[4], ids[3]]
    assert first["next_before"] == ids[3]
    newest = first["items"][0]
    assert newest["community_name"] == "Les Tilleuls" and newest["author"]["name"] == "Referent Test"
    assert newest["urgent"] is True and newest["notify_mairie"] is False and newest["place"] == "Rue de l'École"
    assert newest["created_at"] and newest["resolved_at"] is None and newest["delivery"] is None
    rest = (await member.get(feed, params={"limit": 2, "before": first["next_before"]})).json()
    assert [a["id"] for a in rest["items"]] == [ids[1], ids[0]] and rest["next_before"] is None  # hidden one skipped
    assert rest["items"][1]["notify_mairie"] is True and rest["items"][1]["author"]["name"] == "Member Test"

    moderator = await api.as_user(w.email("moderator"))
    everything = (await moderator.get(feed)).json()
    assert [a["id"] for a in everything["items"]] == list(reversed(ids))
    assert next(a for a in everything["items"] if a["id"] == hidden)["moderation"] == "hidden"
