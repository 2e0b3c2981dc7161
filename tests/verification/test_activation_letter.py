"""The activation letter: printed as PDF by moderators, code redeemed by the resident."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader

from backend.communities.tables import Membership
from backend.demo import make_commune, make_community, make_user
from backend.lib import clock
from backend.verification.tables import ActivationLetter
from tests.auth.test_signup_and_login import signup_body

CODE = re.compile(r"CODE : ([A-Z0-9]{4})-([A-Z0-9]{4})")


@pytest.fixture
async def setup(api, fx_password_hash):
    commune = await make_commune()
    community = await make_community(commune, "Les Tilleuls")
    await make_user("moderation@test.vigie.fr", "Luc", "Moreau", password_hash=fx_password_hash, is_moderator=True)
    resident = api()
    r = await resident.post("/api/v1/auth/signup", signup_body(community))
    assert r.status_code == 201
    await resident.login("odette.lambert@example.fr", "un-mot-de-passe-long")  # sign-up opens no session
    moderator = await api.as_user("moderation@test.vigie.fr")
    return community, resident, moderator


async def print_codes(moderator) -> tuple[list[str], PdfReader]:
    r = await moderator.post("/api/v1/letters/batch")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(r.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return ["".join(m) for m in CODE.findall(text)], reader


async def test_letter_is_printed_in_a_batch_and_its_code_activates_the_member(setup):
    community, resident, moderator = setup
    listing = (await moderator.get("/api/v1/letters")).json()
    assert listing["unprinted"] == 1 and listing["letters"][0]["name"] == "Odette Lambert"
    assert "code" not in str(listing).lower().replace("community", "")
    codes, reader = await print_codes(moderator)
    assert len(codes) == 1 and len(reader.pages) == 1
    page = reader.pages[0].extract_text()
    assert "ODETTE LAMBERT" in page and "4 RUE DES LILAS" in page and "45100 BELLERIVE-SUR-LOIRE" in page
    assert "Activer mon compte" in page
    # Printed letters leave the queue; a second batch has nothing.
    assert (await moderator.get("/api/v1/letters")).json()["unprinted"] == 0
    assert (await moderator.post("/api/v1/letters/batch")).status_code == 404
    # Until the code is entered, no community content.
    assert (await resident.get(f"/api/v1/communities/{community}")).status_code == 403
    code = codes[0]
    r = await resident.post("/api/v1/verification/redeem", {"code": f"{code[:4].lower()} {code[4:]}"})
    assert r.status_code == 200, r.text
    assert r.json()["memberships"][0]["status"] == "active"
    detail = await resident.get(f"/api/v1/communities/{community}")
    assert detail.status_code == 200 and detail.json()["member_count"] == 1
    # The code is stored only as a keyed hash, never in clear.
    row = await ActivationLetter.select(ActivationLetter.code_hash).first()
    assert code not in row["code_hash"] and len(row["code_hash"]) == 64
    # A used code does not work twice.
    again = await resident.post("/api/v1/verification/redeem", {"code": code})
    assert again.status_code == 404


async def test_wrong_codes_count_down_then_lock_for_an_hour(setup):
    community, resident, moderator = setup
    codes, _ = await print_codes(moderator)
    for left in (4, 3, 2, 1):
        r = await resident.post("/api/v1/verification/redeem", {"code": "AAAA-AAAA"})
        assert r.status_code == 400 and r.json()["detail"] == f"Code incorrect. Il vous reste {left} essai(s)."
    fifth = await resident.post("/api/v1/verification/redeem", {"code": "AAAA-AAAA"})
    assert fifth.status_code == 429 and fifth.json()["code"] == "code_locked"
    # Even the right code is refused while locked…
    locked = await resident.post("/api/v1/verification/redeem", {"code": codes[0]})
    assert locked.status_code == 429 and "bloqué" in locked.json()["detail"]
    # …and works once the hour has passed.
    clock.advance(timedelta(minutes=61))
    ok = await resident.post("/api/v1/verification/redeem", {"code": codes[0]})
    assert ok.status_code == 200


async def test_expired_code_is_refused_with_advice_to_reissue(setup, fx_settings):
    community, resident, moderator = setup
    codes, _ = await print_codes(moderator)
    clock.advance(timedelta(days=fx_settings.letter_validity_days, minutes=1))
    await resident.login("odette.lambert@example.fr", "un-mot-de-passe-long")  # the session expired too
    r = await resident.post("/api/v1/verification/redeem", {"code": codes[0]})
    assert r.status_code == 410 and r.json()["code"] == "code_expired"
    status = await Membership.select(Membership.status).first()
    assert status["status"] == "pending"


async def test_malformed_code_is_a_clear_400(setup):
    _, resident, _ = setup
    r = await resident.post("/api/v1/verification/redeem", {"code": "123"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_code_format"


async def test_reissue_voids_the_old_code(setup):
    community, resident, moderator = setup
    old, _ = await print_codes(moderator)
    r = await resident.post("/api/v1/verification/reissue", {"community_id": community})
    assert r.status_code == 202
    new, _ = await print_codes(moderator)
    assert new and new[0] != old[0]
    refused = await resident.post("/api/v1/verification/redeem", {"code": old[0]})
    assert refused.status_code == 400
    ok = await resident.post("/api/v1/verification/redeem", {"code": new[0]})
    assert ok.status_code == 200


async def test_dev_outbox_shows_the_letter_with_a_working_code(setup):
    community, resident, _ = setup
    box = (await resident.get("/api/v1/dev/outbox")).json()
    assert len(box["letters"]) == 1
    match = CODE.search(box["letters"][0]["text"])
    r = await resident.post("/api/v1/verification/redeem", {"code": "".join(match.groups())})
    assert r.status_code == 200
    page = await resident.get("/dev/outbox")
    assert page.status_code == 200 and "Courriers d&#x27;activation" in page.text


async def test_dev_outbox_is_absent_in_production(fx_app_factory):
    from tests.conftest import Api

    from backend.settings import UnsafeProductionSettings

    safe = dict(env="production", secure_cookies=True, base_url="https://vigie.example.fr",
                secret_key="a-production-secret-of-forty-characters!", push_allow_http_loopback=False)
    with pytest.raises(UnsafeProductionSettings, match="dev_outbox"):  # production refuses it outright
        await fx_app_factory(**safe, dev_outbox=True)
    app = await fx_app_factory(**safe, dev_outbox=False)
    client = Api(app)
    assert (await client.get("/api/v1/dev/outbox")).status_code == 404
    assert (await client.get("/dev/outbox")).status_code == 404
    await client.aclose()


async def test_verified_member_joins_another_community_at_once(api, fx_password_hash):
    commune = await make_commune()
    first = await make_community(commune, "Les Tilleuls")
    second = await make_community(commune, "Centre-Bourg")
    await make_user("marie@test.vigie.fr", "Marie", "Dupont", password_hash=fx_password_hash, community_id=first)
    marie = await api.as_user("marie@test.vigie.fr")
    r = await marie.post(f"/api/v1/communities/{second}/join")
    assert r.status_code == 201 and r.json()["status"] == "active"
    assert (await marie.get(f"/api/v1/communities/{second}")).status_code == 200
    twice = await marie.post(f"/api/v1/communities/{second}/join")
    assert twice.status_code == 409


# --- The letter as an 81-year-old resident reads it (issue 14, item 5) ---

NAMES = ["Œdipe Lœuvre", "Łukasz Wałęsa", "فاطمة الزهراء", "Nguyễn Thị Hương"]
LOOK_ALIKES = ["IL1", "OQD0", "B8", "S5", "G6", "Z2", "UV"]


def sample_letter(name: str, code: str = "ACEF-HJK7", community: str = "Les Tilleuls"):
    from datetime import datetime, timezone

    from backend.verification.letters import LetterContent

    when = datetime(2026, 12, 2, 9, tzinfo=timezone.utc)
    return LetterContent(recipient_name=name, address_block="12 rue de l'Étang\n45100 Orléans",
                         community_name=community, code=code.replace("-", ""), expires_at=when + timedelta(days=30),
                         app_url="https://vigie.example.fr", issued_at=when)


def text_runs(page) -> list[tuple[str, str, float]]:
    """(text, font name, size in pt) of every piece of text drawn on the page."""
    runs: list[tuple[str, str, float]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            scale = abs(tm[0]) if tm[0] else 1  # fpdf2 sets the size with Tf and an identity text matrix
            runs.append((text, str(font.get("/BaseFont", "")) if font else "", size * scale))

    page.extract_text(visitor_text=visit)
    return runs


def test_every_name_prints_in_a_unicode_font_and_reads_back():
    from backend.verification.letters import find_fonts, render_letters

    assert find_fonts() is not None, "DejaVu is installed by scripts/bootstrap.sh (fonts-dejavu-core)"
    reader = PdfReader(io.BytesIO(render_letters([sample_letter(name) for name in NAMES])))
    assert len(reader.pages) == len(NAMES)
    for name, page in zip(NAMES, reader.pages):
        text = page.extract_text()
        assert "?" not in text.replace("Code perdu ou expiré ?", "")
        assert name in text, (name, text[:300])
        assert name.upper() in text  # the envelope window block
        fonts = {font for _, font, _ in text_runs(page)}
        assert fonts and all("DejaVu" in font for font in fonts), fonts


def test_body_is_at_least_12_pt_and_the_code_is_large_and_monospaced():
    from backend.verification.letters import render_letters

    page = PdfReader(io.BytesIO(render_letters([sample_letter("Odette Lambert")]))).pages[0]
    runs = text_runs(page)
    assert runs
    small = [(text, size) for text, _, size in runs if size < 12]
    assert not small, small
    body = [size for text, _, size in runs if "Connectez-vous" in text]
    assert body and body[0] >= 12
    code = [(font, size) for text, font, size in runs if "ACEF-HJK7" in text]
    assert code and "Mono" in code[0][0] and code[0][1] >= 28, code


def test_letter_names_the_buttons_the_resident_sees():
    import json
    from pathlib import Path

    from backend.verification.letters import render_letters

    catalogue = json.loads((Path(__file__).parents[2] / "pwa/i18n/fr.json").read_text(encoding="utf-8"))
    text = " ".join(PdfReader(io.BytesIO(render_letters([sample_letter("Odette Lambert")]))).pages[0]
                    .extract_text().split())
    for words in (catalogue["home"]["enterCode"], catalogue["activation"]["submit"],
                  catalogue["activation"]["reissueButton"]):
        assert f"« {' '.join(words.split())} »" in text, words  # the same words; spaces may break lines


def test_code_alphabet_has_no_look_alikes():
    from backend.verification.service import ALPHABET, CODE_LENGTH, new_code

    for group in LOOK_ALIKES:
        assert len(set(group) & set(ALPHABET)) <= 1, group
    assert not set("IL1OQD0B8S5G6Z2UV") & set(ALPHABET)  # neither side of a pair: nothing to mistake
    assert len(ALPHABET) == len(set(ALPHABET)) and len(ALPHABET) ** CODE_LENGTH > 10**10  # 5 tries, then locked
    drawn = "".join(new_code() for _ in range(200))
    assert set(drawn) <= set(ALPHABET) and len(drawn) == 200 * CODE_LENGTH


async def test_a_code_from_the_former_alphabet_still_activates(setup, fx_settings):
    """Letters already posted carry codes with B, 8, S, 5, G, 6, Z, 2: they keep working until they expire."""
    from backend.verification.service import hash_code

    community, resident, moderator = setup
    await print_codes(moderator)
    await ActivationLetter.update({ActivationLetter.code_hash: hash_code(fx_settings.secret_key, "B8S5G6Z2")}).where(
        ActivationLetter.redeemed_at.is_null())
    r = await resident.post("/api/v1/verification/redeem", {"code": "b8s5 - g6z2"})
    assert r.status_code == 200, r.text
    assert r.json()["memberships"][0]["status"] == "active"


def test_without_dejavu_the_letter_still_prints_and_says_what_to_install(monkeypatch, caplog):
    from backend.verification import letters

    monkeypatch.setattr(letters, "FONT_DIRS", ())
    with caplog.at_level("WARNING"):
        pdf = letters.render_letters([sample_letter("Odette Lambert")])
    assert "Odette Lambert" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert letters.FONT_PACKAGE in caplog.text


def test_letter_dates_are_in_words_and_paris_time():
    from dataclasses import replace
    from datetime import datetime, timezone

    from backend.verification.letters import render_letters

    late = datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)  # already 1 January in Paris
    letter = replace(sample_letter("Odette Lambert"), expires_at=late, issued_at=late - timedelta(days=30))
    text = " ".join(PdfReader(io.BytesIO(render_letters([letter]))).pages[0].extract_text().split())
    assert "Ce code est valable jusqu'au 1er janvier 2027." in text
    assert "Le 2 décembre 2026" in text


def test_without_harfbuzz_the_letter_still_prints(monkeypatch, caplog):
    import sys

    from backend.verification.letters import render_letters

    monkeypatch.setitem(sys.modules, "uharfbuzz", None)  # `import uharfbuzz` now fails
    with caplog.at_level("WARNING"):
        pdf = render_letters([sample_letter("Łukasz Wałęsa")])
    assert "Łukasz Wałęsa" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "uharfbuzz" in caplog.text
