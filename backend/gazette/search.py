"""Full-text search that works the same on SQLite and PostgreSQL.

Each post keeps `search_text`: its title, body and places, lower-cased, accents folded and
punctuation turned to spaces ("Fête de l'été" → "fete de l ete"). A query is folded the same
way and every word must appear (a LIKE per word, ANDed): "fete ete" finds "Fête de l'été".
"""

from __future__ import annotations

import re
import unicodedata

MAX_WORDS = 8
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})


def fold(*texts: str) -> str:
    """Lower-case, accent-free words of `texts` separated by single spaces."""
    joined = " ".join(texts).casefold().translate(_LIGATURES)
    plain = "".join(c for c in unicodedata.normalize("NFKD", joined) if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", plain).strip()


def query_words(q: str) -> list[str]:
    """The words of a search box (at most MAX_WORDS; they only hold [0-9a-z], so LIKE needs no escaping)."""
    return list(dict.fromkeys(fold(q).split()))[:MAX_WORDS]
