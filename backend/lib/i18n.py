"""The languages Vigie speaks to its members, and how the server picks one.

A member's choice is `User.locale` ("fr" or "en", set in the PWA's settings); a request from
nobody signed in is read in the first language of `Accept-Language` that Vigie has. French is
the default and the fallback. Long texts (e-mails) are templates with an English version beside
the French one (lib/templates.py); short ones (titles, labels, SMS) are small dicts keyed by
locale next to the code that uses them: a newcomer adds a language by copying one file or one
dict entry, without a catalogue compiler (Babel's gettext would need .po/.mo files and a build step).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime

from backend.lib import french

LOCALES = ("fr", "en")
DEFAULT = "fr"


def supported(locale: str | None) -> str:
    """`locale` if Vigie speaks it (its language part), else French."""
    language = (locale or "").replace("-", "_").split("_")[0].lower()
    return language if language in LOCALES else DEFAULT


def phrasebook(table: Mapping[str, Mapping[str, str]], locale: str | None, **common: object) -> Callable[..., str]:
    """`say(key, **values)`: the text `key` of a locale-keyed table (locale → key → `str.format` text) in `locale`.

    French where Vigie does not speak `locale`; `common` values are given to every text (a
    commune's name). Values are members' words too: inserted as they are, never read as a
    format (a `{` in a title stays a `{`).
    """
    texts = table[supported(locale)]

    def say(key: str, /, **values: object) -> str:
        return texts[key].format_map({**common, **values})

    return say


def from_accept_language(header: str | None) -> str:
    """The best language of an `Accept-Language` header among LOCALES (q-values honoured)."""
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        try:
            language = Locale.parse(tag.strip().replace("-", "_")).language if tag.strip() not in ("", "*") else ""
        except (ValueError, UnknownLocaleError):
            language = ""
        if language in LOCALES and quality > 0:
            choices.append((-quality, index, language))
    return min(choices)[2] if choices else DEFAULT


def moment_in_figures(when: datetime, locale: str = "fr") -> str:
    """« 01/12/2026 à 08:05 » / « 01/12/2026 at 08:05 », in Paris time."""
    if locale == "en":
        return format_datetime(when, "dd/MM/y 'at' HH:mm", tzinfo=french.PARIS, locale="en_GB")
    return french.moment_in_figures(when)


def day_in_words(when: datetime, locale: str = "fr") -> str:
    """« 2 décembre 2026 » / « 2 December 2026 », in Paris time."""
    if supported(locale) == "en":
        return format_date(when.astimezone(french.PARIS) if when.tzinfo else when, "d MMMM y", locale="en_GB")
    return french.date_in_words(when)
