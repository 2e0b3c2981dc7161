"""Shared steps of the Gazette tests: people, posts, images and a wait on deliveries."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from PIL import ExifTags, Image

from backend.delivery import service as delivery
from backend.delivery.schemas import SubscriptionIn, SubscriptionKeys
from backend.lib import clock
from tests.builders import ROLES, World, build_world
from tests.conftest import Api


async def gazette_world(settings: Any, password_hash: str, receiver: Any) -> World:
    """tests.builders' world (two communes, three communities, one person per role), each
    person with one device on the loopback push service (`world.subs[role]`)."""
    world = await build_world(password_hash)
    world.subs = {}  # type: ignore[attr-defined]
    for role in ROLES:
        sub = receiver.new_subscription()
        world.subs[role] = sub  # type: ignore[attr-defined]
        await delivery.subscribe(settings, world.users[role], SubscriptionIn(
            endpoint=sub["endpoint"], keys=SubscriptionKeys(**sub["keys"]), device_label=role))
    return world


def later(**delta: float) -> str:
    """An ISO date `delta` from the app's clock (with its offset)."""
    return (clock.now() + timedelta(**delta)).isoformat()


def sample(kind: str, **fields: Any) -> dict[str, Any]:
    """A valid post of `kind`, with `fields` replacing some."""
    base: dict[str, Any] = {
        "classified": {"title": "Vélo enfant 16 pouces", "body": "Bon état, casque offert.", "price_cents": 3500},
        "news": {"title": "La boulangerie rouvre", "body": "Nouveaux horaires : 7 h – 19 h."},
        "minutes": {"title": "Assemblée générale de la copropriété", "body": "Ravalement voté pour 2027."},
        "event": {"title": "Fête des voisins", "body": "Chacun apporte un plat.", "place": "Square des Tilleuls",
                  "starts_at": later(days=3)},
        "carpool": {"title": "Marché d'Orléans samedi", "body": "Retour vers midi.", "from_place": "Les Tilleuls",
                    "to_place": "Orléans, place du Martroi", "departs_at": later(days=2), "seats": 2},
    }[kind]
    return {"kind": kind, **base, **fields}


async def new_post(client: Api, community: int, kind: str = "news", **fields: Any) -> dict[str, Any]:
    r = await client.post(f"/api/v1/communities/{community}/gazette", sample(kind, **fields))
    assert r.status_code == 201, r.text
    return r.json()


async def communicate(client: Api, commune: int, **fields: Any) -> dict[str, Any]:
    body = {"title": "Travaux rue de la Gare", "body": "Circulation alternée du 3 au 7.", "expires_at": later(days=7),
            **fields}
    r = await client.post(f"/api/v1/communes/{commune}/gazette", body)
    assert r.status_code == 201, r.text
    return r.json()


async def gazette(client: Api, community: int, **params: Any) -> dict[str, Any]:
    r = await client.get(f"/api/v1/communities/{community}/gazette", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def titles(page: dict[str, Any], part: str = "items") -> list[str]:
    return [p["title"] for p in page[part]]


# Images ------------------------------------------------------------------------------------------

def picture(size: tuple[int, int] = (2400, 1800), mode: str = "RGB") -> Image.Image:
    """A gradient (so that encoders have something to chew on)."""
    gradient = Image.linear_gradient("L").resize(size)
    if mode == "RGBA":
        image = Image.merge("RGBA", (gradient, gradient.transpose(Image.Transpose.ROTATE_90), gradient, gradient))
        return image
    return Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.FLIP_TOP_BOTTOM), gradient))


def encoded(image: Image.Image, fmt: str, **save: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def jpeg_with_gps(size: tuple[int, int] = (2400, 1800)) -> bytes:
    """What a phone sends: a JPEG whose EXIF holds the camera, an orientation and a GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Fairphone"
    exif[ExifTags.Base.Orientation] = 6  # taken upright: the viewer must turn it 90°
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (47.0, 54.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (1.0, 54.0, 3.25)
    data = encoded(picture(size), "JPEG", exif=exif, quality=90)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo), "the sample must carry GPS"
    return data


def files(*items: tuple[str, bytes, str]) -> list[tuple[str, tuple[str, bytes, str]]]:
    """httpx `files=` for the `photos` field: (file name, bytes, declared content type)."""
    return [("photos", item) for item in items]
