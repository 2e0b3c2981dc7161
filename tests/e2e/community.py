"""Helpers of the community life browser tests (tests/e2e/test_community_*.py): a referent and
more neighbours in Les Tilleuls, photos made in memory, Gazette posts and conversations made
through the live API."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from PIL import Image

from backend.demo import make_user
from tests.e2e.conftest import LiveApi, Neighbours

SHOTS = "/tmp/vigie-screens"
OVERFLOW = """() => [...document.querySelectorAll("main *, header *, nav *")]
    .filter((el) => !el.closest(".table-scroll") && el.getBoundingClientRect().right > innerWidth + 1)
    .map((el) => el.tagName + "." + el.className + ": " + (el.textContent || "").slice(0, 40))"""


@dataclass
class Street:
    """Les Tilleuls with Alice, Odette (the browser), a referent and one more neighbour."""

    n: Neighbours
    jeanne: int  # referent
    bruno: int

    JEANNE = "jeanne@test.vigie.fr"
    BRUNO = "bruno@test.vigie.fr"


@pytest.fixture
async def fx_street(fx_neighbours: Neighbours, fx_password_hash: str) -> Street:
    jeanne = await make_user(Street.JEANNE, "Jeanne", "Leroy", password_hash=fx_password_hash, phone="+33611000004",
                             community_id=fx_neighbours.community, role="referent",
                             address_line1="3 rue de l'Église")
    bruno = await make_user(Street.BRUNO, "Bruno", "Petit", password_hash=fx_password_hash, phone="+33611000005",
                            community_id=fx_neighbours.community, address_line1="8 bis allée des Roses")
    return Street(fx_neighbours, jeanne, bruno)


def png_bytes(size: tuple[int, int] = (640, 480), color: tuple[int, int, int] = (40, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def paris_local(days: int, hour: int = 18) -> str:
    """A date-time `days` ahead, without offset (the API reads it as Paris time)."""
    return (datetime.now() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0).isoformat()


async def post_gazette(api: LiveApi, community: int, **fields: Any) -> dict[str, Any]:
    body = {"kind": "news", "title": "Fête des voisins", "body": "Rendez-vous dans la cour.", **fields}
    response = await api.request("POST", f"/api/v1/communities/{community}/gazette", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def open_conversation(api: LiveApi, community: int, *participants: int) -> dict[str, Any]:
    response = await api.request("POST", f"/api/v1/communities/{community}/conversations",
                                 json={"participant_ids": list(participants)})
    assert response.status_code in (200, 201), response.text
    return response.json()
