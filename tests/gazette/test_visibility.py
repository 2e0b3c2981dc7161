"""The routes by a post's (photo's, comment's, request's) own id, called as every role on real
things of the world — fresh ones for each call — with the exact answer each role must get.

The guard matrix (guard_matrix.py) can only call these routes with an id that does not exist;
here the service's checks are exercised: a member of another community, an unverified
resident and the staff of another commune are refused (403) everything, anonymous people get
401, and inside the community each action is for the people the design names.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Awaitable, Callable

from backend.gazette import photos
from backend.gazette.tables import (
    GazetteComment, GazettePhoto, GazettePost, GazettePostCommunity, GazetteReport, GazetteRideRequest,
)
from backend.lib import clock
from backend.lib.storage import make_storage
from tests.builders import World
from tests.conftest import Api
from tests.gazette.helpers import encoded, files, picture

OUTSIDERS = {"anonymous": 401, "unverified": 403, "other_member": 403, "other_staff": 403}
JPEG = encoded(picture((64, 48)), "JPEG")


async def _post(world: World, kind: str = "news", **extra: Any) -> int:
    values: dict[str, Any] = dict(community=world.community, commune=world.commune, author=world.users["member"],
                                  kind=kind, title=f"Essai {kind}", body="Texte.", **extra)
    if kind in ("event", "carpool"):
        values.update(starts_at=clock.now() + timedelta(days=2), seats=2 if kind == "carpool" else 0)
    rows = await GazettePost.insert(GazettePost(**values)).returning(GazettePost.id)
    return rows[0]["id"]


async def news(world: World, fx_settings: Any) -> int:
    return await _post(world)


async def event(world: World, fx_settings: Any) -> int:
    return await _post(world, "event")


async def carpool(world: World, fx_settings: Any) -> int:
    return await _post(world, "carpool")


async def photo(world: World, fx_settings: Any) -> int:
    post_id = await _post(world)
    [name] = await photos.store_all(make_storage(fx_settings), [photos.encode(JPEG)])
    rows = await GazettePhoto.insert(GazettePhoto(post=post_id, file_name=name, media_type="image/jpeg", width=64,
                                                  height=48, size_bytes=len(JPEG))).returning(GazettePhoto.id)
    return rows[0]["id"]


async def comment(world: World, fx_settings: Any) -> int:
    rows = await GazetteComment.insert(GazetteComment(post=await _post(world), author=world.users["referent"],
                                                      body="Bien vu.")).returning(GazetteComment.id)
    return rows[0]["id"]


async def ride_request(world: World, fx_settings: Any) -> int:
    rows = await GazetteRideRequest.insert(GazetteRideRequest(
        post=await _post(world, "carpool"), user=world.users["referent"])).returning(GazetteRideRequest.id)
    return rows[0]["id"]


async def reported(world: World, fx_settings: Any) -> int:
    post_id = await _post(world)
    await GazetteReport.insert(GazetteReport(post=post_id, reporter=world.users["referent"], reason="Douteux"))
    return post_id


async def sibling_communication(world: World, fx_settings: Any) -> int:
    """A mairie communication addressed to the sibling community only."""
    rows = await GazettePost.insert(GazettePost(
        community=None, commune=world.commune, author=world.users["staff"], kind="mairie", title="Travaux",
        body="Rue de la Gare.", expires_at=clock.now() + timedelta(days=3))).returning(GazettePost.id)
    await GazettePostCommunity.insert(GazettePostCommunity(post=rows[0]["id"], community=world.sibling))
    return rows[0]["id"]


def expect(**inside: int) -> dict[str, int]:
    """Outsiders refused; inside the community, the given answers (403 for anyone not named)."""
    roles = ("member", "referent", "staff", "moderator", "admin")
    return {**OUTSIDERS, **{r: 403 for r in roles}, **inside}


Make = Callable[[World, Any], Awaitable[int]]
CASES: list[tuple[str, str, Make, dict[str, Any], dict[str, int]]] = [
    ("GET", "/api/v1/gazette/posts/{}", news, {},
     expect(member=200, referent=200, staff=200, moderator=200, admin=200)),
    ("DELETE", "/api/v1/gazette/posts/{}", news, {}, expect(member=204)),
    ("POST", "/api/v1/gazette/posts/{}/photos", news, {"files": files(("a.jpg", JPEG, "image/jpeg"))},
     expect(member=201)),
    ("POST", "/api/v1/gazette/posts/{}/comments", news, {"json": {"body": "Merci"}},
     expect(member=201, referent=201, staff=201)),
    ("POST", "/api/v1/gazette/posts/{}/rsvp", event, {"json": {"answer": "going"}}, expect(member=200, referent=200)),
    ("POST", "/api/v1/gazette/posts/{}/ride-requests", carpool, {"json": {}}, expect(member=400, referent=201)),
    ("POST", "/api/v1/gazette/posts/{}/pin", news, {}, expect(referent=200)),
    ("POST", "/api/v1/gazette/posts/{}/unpin", news, {}, expect(referent=200)),
    ("POST", "/api/v1/gazette/posts/{}/remove", news, {"json": {"reason": "Hors sujet"}},
     expect(referent=200, moderator=200, admin=200)),
    ("POST", "/api/v1/gazette/posts/{}/report", news, {"json": {"reason": "Douteux"}}, expect(referent=201)),
    ("GET", "/api/v1/gazette/photos/{}", photo, {},
     expect(member=200, referent=200, staff=200, moderator=200, admin=200)),
    ("DELETE", "/api/v1/gazette/photos/{}", photo, {}, expect(member=200)),
    ("DELETE", "/api/v1/gazette/comments/{}", comment, {}, expect(referent=204, moderator=204, admin=204)),
    ("POST", "/api/v1/gazette/ride-requests/{}/accept", ride_request, {}, expect(member=200)),
    ("POST", "/api/v1/gazette/ride-requests/{}/refuse", ride_request, {}, expect(member=200)),
    ("DELETE", "/api/v1/gazette/ride-requests/{}", ride_request, {}, expect(referent=204)),
    ("POST", "/api/v1/moderation/gazette-reports/{}", reported, {"json": {"action": "dismiss"}},
     expect(moderator=200, admin=200)),
    ("GET", "/api/v1/gazette/posts/{}", sibling_communication, {},
     {**expect(staff=200, moderator=200, admin=200), "other_member": 200}),
]


async def test_each_route_by_id_answers_each_role_as_the_design_says(fx_app, world, people, fx_settings):
    clients: dict[str, Api] = {"anonymous": Api(fx_app)}
    for role in ("unverified", "other_member", "member", "referent", "other_staff", "staff", "moderator", "admin"):
        clients[role] = await people(role)
    wrong = []
    for method, path, make, kwargs, expected in CASES:
        for role, status in expected.items():
            url = path.format(await make(world, fx_settings))
            response = await clients[role].request(method, url, **kwargs)
            if response.status_code != status:
                wrong.append(f"{method} {path} ({make.__name__}) as {role}: {response.status_code} "
                             f"(expected {status}) {response.text[:120]}")
    await clients["anonymous"].aclose()
    assert not wrong, "\n".join(wrong)
