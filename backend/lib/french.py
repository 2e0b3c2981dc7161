"""French words around names and dates in server texts (e-mails, SMS, push, error details).

« de » and « à » contract with the article that starts a place name: « les nouvelles des
Tilleuls », « la mairie du Bourg », « le quartier de la Gare », « de l'Étang », « la mairie
d'Orval », « au Mans », « aux Ulis ». The PWA does the same in pwa/js/french.js.

A commune's own name keeps its capital article where it is not contracted (« la mairie de
La Rochelle », the official spelling: `proper=True`); a neighbourhood's name is a common
phrase (« le quartier de la Gare »). Surnames are never contracted (« la veille de Le Goff »):
call these helpers only with place names.

Month and day names come from Babel's French locale data (`format_date`, `format_datetime`).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from backend.lib.text import unaccent

PARIS = ZoneInfo("Europe/Paris")
LOCALE = "fr_FR"

_ARTICLE = re.compile(r"^(?:(les|le|la)\s+|(l)['’]\s*)(?=\S)", re.IGNORECASE)
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# What « de » and « à » become before « les », « le », « la » / « l' », a vowel, anything else.
_FORMS = {"de": ("des", "du", "de", "d'", "de"), "à": ("aux", "au", "à", "à", "à")}


def _starts_with_vowel(text: str) -> bool:
    return unaccent(text[:1])[:1] in {"a", "e", "i", "o", "u"}  # œ, æ unaccent to "oe", "ae"


def _split(place: str) -> tuple[str, str]:
    """(article in lower case or "", the rest): "Les Tilleuls" → ("les", "Tilleuls"), "L'Étang" → ("l'", "Étang")."""
    match = _ARTICLE.match(place)
    if not match:
        return "", place
    article = (match.group(1) or match.group(2)).lower()
    return (article + "'" if article == "l" else article), place[match.end():]


def _joined(article: str, rest: str) -> str:
    return f"{article}{rest}" if article.endswith("'") else f"{article} {rest}"


def _before(word: str, place: str, proper: bool) -> str:
    plural, masculine, other, before_vowel, plain = _FORMS[word]
    place = place.strip()
    article, rest = _split(place)
    if article == "les":
        return f"{plural} {rest}"
    if article == "le":
        return f"{masculine} {rest}"
    if article and not proper:  # la, l': no contraction; a commune keeps its capital (« de La Rochelle »)
        return f"{other} {_joined(article, rest)}"
    if not article and before_vowel.endswith("'") and _starts_with_vowel(place):
        return f"{before_vowel}{place}"
    return f"{plain} {place}"


def de(place: str, proper: bool = False) -> str:
    """« de » + a place name: "des Tilleuls", "du Bourg", "de la Gare", "de l'Étang", "d'Orval"."""
    return _before("de", place, proper)


def a(place: str, proper: bool = False) -> str:
    """« à » + a place name: "aux Ulis", "au Mans", "à la Gare", "à l'Étang", "à Orval"."""
    return _before("à", place, proper)


def month_in_words(month: str) -> str:
    """A month key as people say it: "2026-12" → "décembre 2026" (other text is returned as it is)."""
    match = _YEAR_MONTH.match(month)
    if not match or not 1 <= int(match.group(2)) <= 12:
        return month
    return format_date(date(int(match.group(1)), int(match.group(2)), 1), "LLLL y", locale=LOCALE)


def date_in_words(when: datetime) -> str:
    """A day in Paris time, in words: "2 décembre 2026" (1er for the first of the month)."""
    local = when.astimezone(PARIS) if when.tzinfo else when
    day = "1er" if local.day == 1 else str(local.day)
    return f"{day} {format_date(local, 'LLLL y', locale=LOCALE)}"


def moment_in_words(when: datetime) -> str:
    """A moment in Paris time, in words: "mardi 24 novembre à 10:00"."""
    return format_datetime(when, "EEEE d MMMM 'à' HH:mm", tzinfo=PARIS, locale=LOCALE)


def moment_in_figures(when: datetime) -> str:
    """A moment in Paris time, in figures: "24/11/2026 à 10:00"."""
    return format_datetime(when, "dd/MM/y 'à' HH:mm", tzinfo=PARIS, locale=LOCALE)
