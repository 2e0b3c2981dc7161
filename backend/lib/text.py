"""Text folding shared by domains: search boxes (Gazette) and street names (community perimeters)."""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^0-9a-z]+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})


def fold(*texts: str) -> str:
    """Lower-case, accent-free words of `texts` separated by single spaces."""
    joined = " ".join(texts).casefold().translate(_LIGATURES)
    plain = "".join(c for c in unicodedata.normalize("NFKD", joined) if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", plain).strip()


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
