"""Full-text search that works the same on SQLite and PostgreSQL.

Each post keeps `search_text`: its title, body and places, lower-cased, accents folded and
punctuation turned to spaces ("Fête de l'été" → "fete de l ete"). A query is folded the same
way and every word must appear (a LIKE per word, ANDed): "fete ete" finds "Fête de l'été".
"""

from __future__ import annotations

from backend.lib.text import fold

MAX_WORDS = 8


def query_words(q: str) -> list[str]:
    """The words of a search box (at most MAX_WORDS; they only hold [0-9a-z], so LIKE needs no escaping)."""
    return list(dict.fromkeys(fold(q).split()))[:MAX_WORDS]
