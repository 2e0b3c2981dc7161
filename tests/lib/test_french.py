"""French words around place names and months (issue 14: « Les nouvelles de Les Tilleuls », « Budget SMS de 2026-12 »)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from backend.lib.french import a, date_in_words, de, month_in_words


@pytest.mark.parametrize(("place", "expected"), [
    ("Les Tilleuls", "des Tilleuls"),
    ("Le Bourg", "du Bourg"),
    ("La Gare", "de la Gare"),
    ("L'Étang", "de l'Étang"),
    ("L’Étang", "de l'Étang"),
    ("Orval", "d'Orval"),
    ("Étampes", "d'Étampes"),
    ("Œuilly", "d'Œuilly"),
    ("Bastille", "de Bastille"),
    ("Hautefort", "de Hautefort"),  # h may be aspirate: never elided
    ("  les Lilas ", "des Lilas"),
    ("Lesneven", "de Lesneven"),  # an article only as a word of its own
    ("Le", "de Le"),
])
def test_de_contracts_the_article_of_a_neighbourhood(place, expected):
    assert de(place) == expected


@pytest.mark.parametrize(("place", "expected"), [
    ("Le Havre", "du Havre"),
    ("Les Ulis", "des Ulis"),
    ("La Rochelle", "de La Rochelle"),  # a commune keeps its official capital
    ("L'Haÿ-les-Roses", "de L'Haÿ-les-Roses"),
    ("Orléans", "d'Orléans"),
])
def test_de_before_a_commune(place, expected):
    assert de(place, proper=True) == expected


@pytest.mark.parametrize(("place", "proper", "expected"), [
    ("Le Mans", True, "au Mans"),
    ("Les Ulis", True, "aux Ulis"),
    ("La Rochelle", True, "à La Rochelle"),
    ("La Gare", False, "à la Gare"),
    ("L'Étang", False, "à l'Étang"),
    ("Orval", True, "à Orval"),
])
def test_a_contracts_le_and_les(place, proper, expected):
    assert a(place, proper=proper) == expected


def test_months_are_written_in_words():
    assert month_in_words("2026-12") == "décembre 2026"
    assert month_in_words("2027-01") == "janvier 2027"
    assert month_in_words("2026-13") == "2026-13"
    assert month_in_words("décembre 2026") == "décembre 2026"


def test_dates_are_written_in_paris_time():
    # 23:30 UTC on 31 December is already 1 January in Paris.
    assert date_in_words(datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)) == "1er janvier 2027"
    assert date_in_words(datetime(2026, 12, 2, 9, tzinfo=timezone.utc)) == "2 décembre 2026"
