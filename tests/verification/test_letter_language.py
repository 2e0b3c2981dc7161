"""The activation letter in the member's language (issue 14 item 4): a resident who signed up in
English gets an English letter, read back from the PDF, whose code activates them; the letter
names the buttons of the English app; French residents still get the French letter."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from backend.demo import make_commune, make_community, make_user
from tests.auth.test_signup_and_login import signup_body
from tests.verification.test_activation_letter import NAMES, sample_letter

CODE_EN = re.compile(r"CODE: ([A-Z0-9]{4})-([A-Z0-9]{4})")
CATALOGUE = Path(__file__).parents[2] / "pwa/i18n/en.json"


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
async def english_resident(api, fx_password_hash):
    commune = await make_commune()
    community = await make_community(commune, "Les Tilleuls")
    await make_user("moderation@test.vigie.fr", "Luc", "Moreau", password_hash=fx_password_hash, is_moderator=True)
    resident = api()
    r = await resident.post("/api/v1/auth/signup", {**signup_body(community), "locale": "en"})
    assert r.status_code == 201, r.text
    await resident.login("odette.lambert@example.fr", "un-mot-de-passe-long")
    return community, resident, await api.as_user("moderation@test.vigie.fr")


async def test_a_resident_who_signed_up_in_english_gets_an_english_letter_whose_code_works(english_resident):
    community, resident, moderator = english_resident
    r = await moderator.post("/api/v1/letters/batch")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    page = one_line(PdfReader(io.BytesIO(r.content)).pages[0].extract_text())
    assert "Hello Odette Lambert," in page and "Here is your personal activation code:" in page
    assert "Subject: your Vigie activation code" in page and "Neighbourhood Les Tilleuls" in page
    assert "This code is valid until" in page and "Bonjour" not in page and "Objet" not in page
    assert "ODETTE LAMBERT" in page  # the envelope window block is the same
    [code] = ["".join(m) for m in CODE_EN.findall(page)]
    r = await resident.post("/api/v1/verification/redeem", {"code": code})
    assert r.status_code == 200, r.text
    assert r.json()["memberships"][0]["status"] == "active"


def test_the_english_letter_names_the_buttons_of_the_english_app():
    from backend.verification.letters import render_letters

    catalogue = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    text = one_line(PdfReader(io.BytesIO(render_letters([replace(sample_letter("Odette Lambert"), locale="en")])))
                    .pages[0].extract_text())
    for words in (catalogue["home"]["enterCode"], catalogue["activation"]["submit"],
                  catalogue["activation"]["reissueButton"]):
        assert f"“{one_line(words)}”" in text, words


def test_every_name_prints_on_the_english_letter_too():
    from backend.verification.letters import render_letters

    reader = PdfReader(io.BytesIO(render_letters([replace(sample_letter(name), locale="en") for name in NAMES])))
    for name, page in zip(NAMES, reader.pages):
        text = page.extract_text()
        assert name in text and name.upper() in text, (name, text[:300])
        assert "?" not in text.replace("Code lost or expired?", "")
