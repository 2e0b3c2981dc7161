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


async def test_feed_items_read_without_converters_equal_the_alert_detail(api, fx_app, fx_password_hash):
    """On SQLite the feed reads rows without piccolo's converters (text timestamps, 0/1
    booleans): every field must come out as the detail (read through piccolo) gives it."""
    from datetime import datetime, timezone

    w = await build_world(fx_password_hash)
    whole_second = datetime(2026, 11, 26, 8, 30, 0, tzinfo=timezone.utc)  # str() has no fraction then
    await Alert.insert(Alert(community=w.community, author=w.users["referent"], category="burglary_in_progress",
                             title="Cambriolage", body="Au 12.", notify_mairie=True, notify_police=True,
                             created_at=whole_second, resolution="resolved",
                             resolved_at=datetime(2026, 11, 26, 9, 15, 7, 123456, tzinfo=timezone.utc)))
    await Alert.raw("INSERT INTO alerts (community, author, category, title, body, place, notify_mairie, notify_police, "
                    "resolution, moderation, moderation_reason, source, idempotency_key) "
                    "VALUES ({}, {}, 'other', 'Par défaut', 'Horodatage par la base.', '', false, false, 'open', "
                    "'approved', '', 'app', '')", w.community, w.users["member"])
    member = await api.as_user(w.email("member"))
    items = (await member.get(f"/api/v1/communities/{w.community}/alerts")).json()["items"]
    assert len(items) == 3
    for item in items:
        detail = (await member.get(f"/api/v1/alerts/{item['id']}")).json()
        assert {k: v for k, v in detail.items() if k != "delivery"} == {k: v for k, v in item.items() if k != "delivery"}
        assert datetime.fromisoformat(item["created_at"]).tzinfo is not None
    burglary = next(i for i in items if i["title"] == "Cambriolage")
    assert burglary["created_at"] == "2026-11-26T08:30:00+00:00"
    assert burglary["resolved_at"] == "2026-11-26T09:15:07.123456+00:00"
    assert burglary["notify_mairie"] is True and burglary["notify_police"] is True and burglary["urgent"] is True
