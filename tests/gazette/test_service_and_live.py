"""The Gazette's services called directly (search folding, listing, the seat counter under
concurrent acceptances), and its live events on the SSE stream."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from backend.auth import sessions
from backend.communities.principals import load_principal
from backend.gazette import carpools, service
from backend.gazette.schemas import CommunicationIn, PostIn
from backend.gazette.search import query_words
from backend.lib.text import fold
from backend.gazette.tables import GazettePost
from backend.lib import clock
from backend.lib.errors import Conflict
from backend.lib.valkey import make_client
from tests.builders import add_members
from tests.live.sse import SseStream, wait_until


def test_fold_lowers_strips_accents_ligatures_and_punctuation():
    assert fold("Fête de l'été", "Œuvres — Molière !") == "fete de l ete oeuvres moliere"
    assert fold("  Rue   Émile-Zola, n°12 ") == "rue emile zola n 12"
    assert query_words("Été ÉTÉ été 50% _x_") == ["ete", "50", "x"]
    assert query_words("a b c d e f g h i j") == ["a", "b", "c", "d", "e", "f", "g", "h"]


async def test_listing_through_the_service_pins_searches_and_hides_expired_annonces(fx_app, world):
    member = await load_principal(world.users["member"])
    staff = await load_principal(world.users["staff"])
    now = clock.now()
    await service.create_post(member, world.community, PostIn(kind="classified", title="Canapé convertible",
                                                              body="À venir chercher.", free=True,
                                                              expires_at=now + timedelta(days=1)))
    await service.create_post(member, world.community, PostIn(kind="news", title="Brocante du quartier",
                                                              body="Inscriptions à l'épicerie."))
    await service.create_communication(staff, world.commune, CommunicationIn(
        title="Brocante : arrêté de circulation", body="Rue fermée dimanche.", expires_at=now + timedelta(days=2)))

    page = await service.list_posts(member, world.community)
    assert [p.title for p in page.pinned] == ["Brocante : arrêté de circulation"]
    assert [p.title for p in page.items] == ["Brocante du quartier", "Canapé convertible"]
    found = await service.list_posts(member, world.community, q="BROCANTE")
    assert [p.title for p in found.pinned + found.items] == ["Brocante : arrêté de circulation", "Brocante du quartier"]
    clock.advance(timedelta(days=3))
    later = await service.list_posts(member, world.community)
    assert later.pinned == [] and [p.title for p in later.items] == ["Brocante : arrêté de circulation",
                                                                     "Brocante du quartier"]
    assert await GazettePost.count() == 3


async def test_two_acceptances_at_once_never_overbook_the_car(fx_app, world, fx_password_hash):
    driver = await load_principal(world.users["member"])
    ride = await service.create_post(driver, world.community, PostIn(
        kind="carpool", title="Gare des Aubrais", body="Train de 7 h.", from_place="Les Tilleuls",
        to_place="Gare des Aubrais", departs_at=clock.now() + timedelta(days=1), seats=1))
    asks = []
    for uid in await add_members(fx_password_hash, world.community, 4):
        asked, _ = await carpools.request_seat(await load_principal(uid), ride.id, "")
        asks.append(asked.id)
    results = await asyncio.gather(*(carpools.answer_request(driver, a, True) for a in asks),
                                   return_exceptions=True)
    accepted = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(accepted) == 1 and len(refused) == 3, results
    assert {r.code for r in refused} == {"ride_full"}
    row = await GazettePost.select(GazettePost.seats_taken).where(GazettePost.id == ride.id).first()
    assert row["seats_taken"] == 1


async def test_live_events_reach_the_readers_of_the_post_only(fx_app, world, people):
    valkey = make_client(fx_app.state.settings.valkey_url)
    token = await sessions.create_session(world.users["other_member"], 3600)

    async def subscribed() -> bool:
        return dict(await valkey.pubsub_numsub(f"community:{world.sibling}"))[f"community:{world.sibling}".encode()] > 0

    async with SseStream(fx_app, "/api/v1/live", token) as stream:
        await stream.next_message()  # the opening `retry:`
        await wait_until(subscribed, "the sibling community's channel")
        member, staff = await people("member"), await people("staff")
        r = await member.post(f"/api/v1/communities/{world.community}/gazette",
                              {"kind": "news", "title": "Chez les Tilleuls", "body": "Pas pour Centre-Bourg."})
        assert r.status_code == 201
        r = await staff.post(f"/api/v1/communes/{world.commune}/gazette", {
            "title": "Marché de Noël", "body": "Place de la mairie.",
            "expires_at": (clock.now() + timedelta(days=3)).isoformat()})
        assert r.status_code == 201
        message = await stream.next_event()
        assert message.event == "gazette.post_created"
        data = json.loads(message.data)
        assert (data["post_id"], data["kind"], data["title"]) == (r.json()["id"], "mairie", "Marché de Noël")
        await stream.no_event()
    await valkey.aclose()


async def test_asking_twice_at_once_makes_one_request_and_one_clear_refusal(fx_app, world):
    driver, passenger = await load_principal(world.users["member"]), await load_principal(world.users["referent"])
    ride = await service.create_post(driver, world.community, PostIn(
        kind="carpool", title="Gare des Aubrais", body="Train de 7 h.", from_place="Les Tilleuls",
        to_place="Gare des Aubrais", departs_at=clock.now() + timedelta(days=1), seats=3))
    results = await asyncio.gather(*(carpools.request_seat(passenger, ride.id, "") for _ in range(3)),
                                   return_exceptions=True)
    assert sum(not isinstance(r, BaseException) for r in results) == 1, results
    assert {r.code for r in results if isinstance(r, BaseException)} == {"already_requested"}
