"""The notices' texts are one locale-keyed table per domain: every language says every text."""

from __future__ import annotations

import string

import pytest

from backend.gazette import notify as gazette_notify
from backend.lib.i18n import LOCALES, phrasebook
from backend.mairie import notify as mairie_notify
from backend.register import notify as register_notify


def _fields(text: str) -> set[str]:
    """The blanks of a text; « Mairie {de_commune} » and « {commune} town hall » name the same thing."""
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    return {"commune" if name == "de_commune" else name for name in names}


@pytest.mark.parametrize("table", [gazette_notify.TEXTS, mairie_notify.TEXTS, register_notify.TEXTS],
                         ids=["gazette", "mairie", "register"])
def test_every_language_has_every_text_with_the_same_blanks(table):
    assert set(table) == set(LOCALES)
    for locale in LOCALES:
        assert table[locale].keys() == table["fr"].keys(), locale
        for key, text in table[locale].items():
            assert _fields(text) == _fields(table["fr"][key]), (locale, key)


def test_phrasebook_speaks_french_when_the_language_is_unknown_and_keeps_members_braces():
    say = phrasebook(mairie_notify.TEXTS, "de-DE", commune="Orléans", de_commune="d'Orléans")
    assert say("title", title="Fête {du} quartier") == "Mairie d'Orléans : Fête {du} quartier"
    assert phrasebook(mairie_notify.TEXTS, "en-GB", commune="Orléans")("title", title="Fair") == "Orléans town hall: Fair"
