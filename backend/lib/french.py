"""French words around names and dates in server texts (e-mails, SMS, push, error details).

« de » and « à » contract with the article that starts a place name: « les nouvelles des
Tilleuls », « la mairie du Bourg », « le quartier de la Gare », « de l'Étang », « la mairie
d'Orval », « au Mans », « aux Ulis ». The PWA does the same in pwa/js/french.js.

A commune's own name keeps its capital article where it is not contracted (« la mairie de
La Rochelle », the official spelling: `proper=True`); a neighbourhood's name is a common
phrase (« le quartier de la Gare »). Surnames are never contracted (« la veille de Le Goff »):
call these helpers only with place names.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]

_ARTICLE = re.compile(r"^(?:(les|le|la)\s+|(l)['’]\s*)(?=\S)", re.IGNORECASE)
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _starts_with_vowel(text: str) -> bool:
    first = unicodedata.normalize("NFD", text[:1])[:1].lower()
    return first in {"a", "e", "i", "o", "u", "œ", "æ"}


def _split(place: str) -> tuple[str, str]:
    """(article in lower case or "", the rest): "Les Tilleuls" → ("les", "Tilleuls"), "L'Étang" → ("l'", "Étang")."""
    match = _ARTICLE.match(place)
    if not match:
        return "", place
    article = (match.group(1) or match.group(2)).lower()
    return (article + "'" if article == "l" else article), place[match.end():]


def _joined(article: str, rest: str) -> str:
    return f"{article}{rest}" if article.endswith("'") else f"{article} {rest}"


def de(place: str, proper: bool = False) -> str:
    """« de » + a place name: "des Tilleuls", "du Bourg", "de la Gare", "de l'Étang", "d'Orval"."""
    place = place.strip()
    article, rest = _split(place)
    if article == "les":
        return f"des {rest}"
    if article == "le":
        return f"du {rest}"
    if article:  # la, l': no contraction; a commune keeps its capital (« de La Rochelle »)
        return f"de {place}" if proper else f"de {_joined(article, rest)}"
    return f"d'{place}" if _starts_with_vowel(place) else f"de {place}"


def a(place: str, proper: bool = False) -> str:
    """« à » + a place name: "aux Ulis", "au Mans", "à la Gare", "à l'Étang", "à Orval"."""
    place = place.strip()
    article, rest = _split(place)
    if article == "les":
        return f"aux {rest}"
    if article == "le":
        return f"au {rest}"
    if article and not proper:
        return f"à {_joined(article, rest)}"
    return f"à {place}"


def month_in_words(month: str) -> str:
    """A month key as people say it: "2026-12" → "décembre 2026" (other text is returned as it is)."""
    match = _YEAR_MONTH.match(month)
    if not match or not 1 <= int(match.group(2)) <= 12:
        return month
    return f"{MONTHS[int(match.group(2)) - 1]} {match.group(1)}"


def date_in_words(when: datetime) -> str:
    """A day in Paris time, in words: "2 décembre 2026" (1er for the first of the month)."""
    local = when.astimezone(PARIS) if when.tzinfo else when
    day = "1er" if local.day == 1 else str(local.day)
    return f"{day} {MONTHS[local.month - 1]} {local.year}"
