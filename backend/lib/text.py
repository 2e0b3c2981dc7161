"""Small text helpers shared by domains: accent folding (search boxes, the directory, street
names of community perimeters, SMS command words) and ISO 8601 dates for JSON.

French words and dates are in `backend.lib.french`; templates in `backend.lib.templates`."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

_NOT_WORD = re.compile(r"[^0-9a-z]+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})


def unaccent(text: str) -> str:
    """Lower case without accents, punctuation kept: "Œnologie, Ça" → "oenologie, ca"."""
    text = text.casefold().translate(_LIGATURES)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def sort_name(first_name: str, last_name: str) -> str:
    """How a person is sorted by name: folded last name, a tab, folded first name (the tab sorts
    before any letter, so this orders as the pair (last, first) does). Stored in `users.sort_name`
    where names are written; the directory pages by it (keyset on (sort_name, id))."""
    return f"{unaccent(last_name)}\t{unaccent(first_name)}"


def fold(*texts: str) -> str:
    """Lower-case, accent-free words of `texts` separated by single spaces."""
    return _NOT_WORD.sub(" ", unaccent(" ".join(texts))).strip()


def iso(value: date | datetime | None) -> str | None:
    """ISO 8601 text of a date or a datetime; None stays None."""
    return None if value is None else value.isoformat()


# Street-type and title abbreviations as they are commonly written on French and Belgian
# addresses (« r. », « av. », « bd », « st »): folded to the full word so that both spellings match.
_ABBREVIATIONS = {
    "r": "rue", "av": "avenue", "ave": "avenue", "bd": "boulevard", "bld": "boulevard", "blvd": "boulevard",
    "boul": "boulevard", "pl": "place", "ch": "chemin", "chem": "chemin", "imp": "impasse", "all": "allee",
    "rte": "route", "fg": "faubourg", "fbg": "faubourg", "sq": "square", "crs": "cours", "qu": "quai",
    "res": "residence", "st": "saint", "ste": "sainte", "dr": "docteur", "gal": "general", "gen": "general",
    "mal": "marechal", "pdt": "president", "prof": "professeur",
}
_HOUSE_NUMBER = re.compile(r"^\d+[a-z]?$")
_NUMBER_SUFFIX = {"bis", "ter", "quater"}


def address_words(line: str) -> list[str]:
    """The folded words of an address line, abbreviations spelled out («12 Av. du Gal-Leclerc» →
    ["12", "avenue", "du", "general", "leclerc"])."""
    return [_ABBREVIATIONS.get(w, w) for w in fold(line).split()]


def street_key(line: str) -> str:
    """A street name or an address line folded for comparison, without the house number:
    « 12 bis, R. de l'Église » and « rue de l'eglise » both give "rue de l eglise"."""
    words = address_words(line)
    i = 0
    while i < len(words) and _HOUSE_NUMBER.match(words[i]):
        i += 1
        if i < len(words) - 1 and (words[i] in _NUMBER_SUFFIX or len(words[i]) == 1):
            i += 1
    return " ".join(words[i:])
