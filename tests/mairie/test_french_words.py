"""French words in the mairie's messages (issue 14): articles contracted before commune names,
months in words in the SMS budget."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from backend.communities.perimeter import Perimeter
from backend.demo import make_commune
from backend.lib.errors import Conflict
from backend.mairie.area import reserve_sms, set_budget
from backend.mairie.notify import broadcast_notice, safety_notice
from tests.mairie.helpers import BROADCAST


def test_a_broadcast_from_le_havre_comes_from_the_mairie_du_havre():
    notice = broadcast_notice({**BROADCAST, "id": 7, "link": "", "valid_until": None}, "Le Havre")
    assert notice.title == "Mairie du Havre : Crue de la Loire"
    assert notice.email_subject == "[Vigie] Mairie du Havre — Vigilance : Crue de la Loire"
    assert "La mairie du Havre informe les habitants (Vigilance, Inondation)" in notice.email_text
    assert "de Le" not in notice.email_text + notice.email_html


@pytest.mark.parametrize(("commune", "words"), [
    ("Les Ulis", "Mairie des Ulis"), ("Orval", "Mairie d'Orval"), ("La Rochelle", "Mairie de La Rochelle"),
])
def test_a_safety_check_names_its_mairie_in_good_french(commune, words):
    notice = safety_notice({"id": 3, "question": "Tout va bien chez vous ?"}, commune)
    assert notice.title == f"{words} : Tout va bien chez vous ?"
    assert f"La {words[0].lower()}{words[1:]} prend des nouvelles des habitants" in notice.email_text


def test_a_community_in_le_mans_is_au_mans():
    perimeter = Perimeter(community_id=1, community_name="Les Tilleuls", commune_id=1, commune_name="Le Mans",
                          commune_postal_codes=("72000",), streets=(), postal_codes=())
    code, detail = perimeter.refusal("4 rue des Lilas", "45100")
    assert code == "commune_mismatch"
    assert detail.startswith("Le quartier « Les Tilleuls » est au Mans (72000)")


async def test_the_sms_budget_refusal_names_the_month_in_words(fx_settings):
    commune = await make_commune()
    await set_budget(commune, 10)
    with pytest.raises(Conflict) as refused:
        await reserve_sms(commune, "mairie_broadcast", 1, 50, datetime(2026, 12, 15, 10, tzinfo=timezone.utc))
    assert "il en reste 10 sur 10 pour décembre 2026." in refused.value.detail
    # The month is the one in Paris: 31 December 23:30 UTC is already January there.
    with pytest.raises(Conflict) as refused:
        await reserve_sms(commune, "mairie_broadcast", 1, 50, datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc))
    assert "pour janvier 2027." in refused.value.detail
