"""Members post in their community's Gazette and read it: kinds, pins first, pages, filters,
expired annonces, search, who sees what, and the author deleting a post."""

from __future__ import annotations

from datetime import datetime, timedelta

from backend.delivery.service import LOCAL_TZ
from backend.gazette.tables import GazetteComment, GazettePost
from backend.lib import clock
from tests.gazette.helpers import gazette, later, new_post, sample, titles


async def test_member_posts_each_kind_and_neighbours_read_it_with_the_author_named(people, world):
    member = await people("member")
    neighbour = await people("referent")
    created = {kind: await new_post(member, world.community, kind) for kind in
               ("classified", "news", "minutes", "event", "carpool")}

    ad = created["classified"]
    assert ad["kind_label"] == "Petite annonce" and ad["author"] == {"id": world.users["member"], "name": "Member Test"}
    assert ad["classified"]["price_cents"] == 3500 and ad["classified"]["free"] is False
    assert ad["classified"]["expired"] is False and ad["community_id"] == world.community
    assert created["event"]["event"] == {"starts_at": created["event"]["event"]["starts_at"], "ends_at": None,
                                         "place": "Square des Tilleuls", "going": 0, "maybe": 0, "my_answer": "none"}
    ride = created["carpool"]["carpool"]
    assert (ride["seats"], ride["seats_left"], ride["full"], ride["requests"]) == (2, 2, False, None)
    assert created["news"]["classified"] is None and created["news"]["photos"] == []

    page = await gazette(neighbour, world.community)
    assert titles(page) == [created[k]["title"] for k in ("carpool", "event", "minutes", "news", "classified")]
    assert page["pinned"] == [] and page["next_before"] is None and page["generated_at"]
    detail = (await neighbour.get(f"/api/v1/gazette/posts/{created['news']['id']}")).json()
    assert detail["author"]["name"] == "Member Test" and detail["comments"] == []
    assert detail["can"] == {"delete": False, "pin": True, "remove": True, "report": True, "comment": True}


async def test_a_free_annonce_has_no_price_and_a_default_expiry_of_thirty_days(people, world):
    member = await people("member")
    free = await new_post(member, world.community, "classified", free=True, price_cents=None)
    assert free["classified"]["free"] is True and free["classified"]["price_cents"] is None
    expires = free["classified"]["expires_at"]
    assert later(days=29) < expires < later(days=31)


async def test_bad_posts_are_refused_in_french_and_nothing_is_written(people, world):
    member = await people("member")
    url = f"/api/v1/communities/{world.community}/gazette"
    cases = [
        ({**sample("news"), "kind": "petition"}, 400, "invalid_kind"),
        ({**sample("news"), "kind": "mairie"}, 403, "kind_reserved"),
        (sample("news", title="Ah"), 400, "invalid_title"),
        (sample("news", body="   "), 400, "invalid_body"),
        (sample("classified", price_cents=None), 400, "invalid_price"),
        (sample("classified", price_cents=-5), 400, "invalid_price"),
        (sample("classified", expires_at=later(days=-1)), 400, "invalid_expiry"),
        (sample("classified", expires_at=later(days=120)), 400, "invalid_expiry"),
        (sample("event", starts_at=None), 400, "invalid_event_date"),
        (sample("event", starts_at=later(hours=-2)), 400, "invalid_event_date"),
        (sample("event", ends_at=later(days=1)), 400, "invalid_event_end"),
        (sample("event", place=""), 400, "invalid_place"),
        (sample("carpool", seats=0), 400, "invalid_seats"),
        (sample("carpool", seats=9), 400, "invalid_seats"),
        (sample("carpool", to_place=""), 400, "invalid_to"),
        (sample("carpool", departs_at=later(days=-1)), 400, "invalid_departure"),
    ]
    for body, status, code in cases:
        r = await member.post(url, body)
        assert (r.status_code, r.json()["code"]) == (status, code), (body, r.text)
        assert r.json()["detail"] and r.json()["detail"][0].isupper()
    r = await member.post(url, {"kind": "news", "title": 12})
    assert r.status_code == 400 and r.json()["detail"].startswith("Données invalides")
    assert await GazettePost.count() == 0


async def test_a_date_without_offset_is_read_as_french_local_time(people, world):
    member = await people("member")
    paris = (clock.now() + timedelta(days=2)).astimezone(LOCAL_TZ).replace(microsecond=0)
    event = await new_post(member, world.community, "event", starts_at=paris.replace(tzinfo=None).isoformat())
    assert datetime.fromisoformat(event["event"]["starts_at"]) == paris  # what a datetime-local field sends
    assert event["event"]["starts_at"].endswith("+00:00")


async def test_pages_are_newest_first_with_pins_on_the_first_page_only(people, world):
    member = await people("member")
    referent = await people("referent")
    ids = [(await new_post(member, world.community, title=f"Nouvelle n° {i:02d}"))["id"] for i in range(7)]
    r = await referent.post(f"/api/v1/gazette/posts/{ids[1]}/pin")
    assert r.status_code == 200 and r.json()["pinned"] is True

    first = await gazette(member, world.community, limit=3)
    assert titles(first, "pinned") == ["Nouvelle n° 01"]
    assert titles(first) == ["Nouvelle n° 06", "Nouvelle n° 05", "Nouvelle n° 04"]
    second = await gazette(member, world.community, limit=3, before=first["next_before"])
    assert second["pinned"] == [] and titles(second) == ["Nouvelle n° 03", "Nouvelle n° 02", "Nouvelle n° 00"]
    assert second["next_before"] is None


async def test_filter_by_kind_and_expired_annonces_leave_the_default_list(people, world):
    member = await people("member")
    await new_post(member, world.community, "news")
    short = await new_post(member, world.community, "classified", title="Tondeuse", expires_at=later(days=2))
    await new_post(member, world.community, "classified", title="Poussette", expires_at=later(days=20))

    assert titles(await gazette(member, world.community, kind="classified")) == ["Poussette", "Tondeuse"]
    clock.advance(timedelta(days=3))
    assert titles(await gazette(member, world.community, kind="classified")) == ["Poussette"]
    assert len((await gazette(member, world.community))["items"]) == 2
    with_expired = await gazette(member, world.community, kind="classified", include_expired="true")
    assert titles(with_expired) == ["Poussette", "Tondeuse"]
    assert with_expired["items"][1]["classified"]["expired"] is True
    still = await member.get(f"/api/v1/gazette/posts/{short['id']}")  # an opened link still shows it
    assert still.status_code == 200 and still.json()["classified"]["expired"] is True
    r = await member.get(f"/api/v1/communities/{world.community}/gazette", params={"kind": "petition"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_kind"


async def test_search_ignores_case_and_accents_and_needs_every_word(people, world, fx_app):
    member = await people("member")
    other = await people("other_member")
    await new_post(member, world.community, "event", title="Fête de l'été", body="Barbecue au square.",
                   place="Square Émile-Zola")
    await new_post(member, world.community, "news", title="Élagage des platanes", body="Rue des Écoles, lundi.")
    await new_post(member, world.community, "classified", title="Œuvres complètes de Molière", body="Très bon état.")
    await new_post(other, world.sibling, "news", title="Fête au Centre-Bourg", body="Pas chez nous.")

    async def search(q: str) -> list[str]:
        return titles(await gazette(member, world.community, q=q))

    assert await search("fete ETE") == ["Fête de l'été"]
    assert await search("emile") == ["Fête de l'été"]  # the place counts too
    assert await search("écoles") == ["Élagage des platanes"]
    assert await search("oeuvres moliere") == ["Œuvres complètes de Molière"]
    assert await search("fete platanes") == []
    assert await search("100%_") == []  # LIKE wildcards are only letters here
    assert len(await search("  ")) == 3


async def test_members_of_another_community_and_unverified_people_see_nothing(people, world):
    member = await people("member")
    post = await new_post(member, world.community, "news")
    for role in ("other_member", "unverified", "other_staff"):
        client = await people(role)
        listing = await client.get(f"/api/v1/communities/{world.community}/gazette")
        opened = await client.get(f"/api/v1/gazette/posts/{post['id']}")
        assert listing.status_code == 403 and opened.status_code == 403, role
        assert opened.json()["code"] == "post_forbidden"
    assert (await gazette(await people("other_member"), world.sibling))["items"] == []
    for role in ("staff", "moderator", "admin"):
        client = await people(role)
        assert titles(await gazette(client, world.community)) == ["La boulangerie rouvre"], role
        detail = (await client.get(f"/api/v1/gazette/posts/{post['id']}")).json()
        assert detail["can"]["report"] is False and detail["can"]["remove"] is (role != "staff")
    staff = await people("staff")
    r = await staff.post(f"/api/v1/communities/{world.community}/gazette", sample("news"))
    assert r.status_code == 403  # staff communicate through the commune route


async def test_author_deletes_their_post_with_its_comments_and_others_cannot(people, world):
    member = await people("member")
    referent = await people("referent")
    post = await new_post(member, world.community, "news")
    assert (await referent.post(f"/api/v1/gazette/posts/{post['id']}/comments", {"body": "Merci !"})).status_code == 201
    r = await referent.delete(f"/api/v1/gazette/posts/{post['id']}")
    assert r.status_code == 403 and r.json()["code"] == "not_author"
    assert (await member.delete(f"/api/v1/gazette/posts/{post['id']}")).status_code == 204
    assert (await member.get(f"/api/v1/gazette/posts/{post['id']}")).status_code == 404
    assert await GazettePost.count() == 0 and await GazetteComment.count() == 0
    assert (await gazette(member, world.community))["items"] == []


async def test_comments_are_listed_in_the_post_and_deleted_by_author_referent_or_moderator(people, world):
    member = await people("member")
    referent = await people("referent")
    moderator = await people("moderator")
    other = await people("other_member")
    post = await new_post(member, world.community, "news")
    url = f"/api/v1/gazette/posts/{post['id']}/comments"
    first = (await referent.post(url, {"body": "Bonne nouvelle !"})).json()
    second = (await member.post(url, {"body": "Oui, enfin."})).json()
    assert first["author"]["name"] == "Referent Test" and first["can_delete"] is True
    r = await member.post(url, {"body": " "})
    assert r.status_code == 400 and r.json()["code"] == "invalid_comment"
    assert (await other.post(url, {"body": "Et chez nous ?"})).status_code == 403

    detail = (await member.get(f"/api/v1/gazette/posts/{post['id']}")).json()
    assert [c["body"] for c in detail["comments"]] == ["Bonne nouvelle !", "Oui, enfin."]
    assert [c["can_delete"] for c in detail["comments"]] == [False, True] and detail["comment_count"] == 2
    assert (await gazette(member, world.community))["items"][0]["comment_count"] == 2

    r = await member.delete(f"/api/v1/gazette/comments/{first['id']}")
    assert r.status_code == 403 and r.json()["code"] == "cannot_delete_comment"
    assert (await referent.delete(f"/api/v1/gazette/comments/{second['id']}")).status_code == 204
    assert (await moderator.delete(f"/api/v1/gazette/comments/{first['id']}")).status_code == 204
    assert (await member.get(f"/api/v1/gazette/posts/{post['id']}")).json()["comments"] == []
