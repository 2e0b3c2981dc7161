"""Server texts written as Jinja2 templates (`backend/templates/`): one environment, HTML autoescaped.

`render("email/x.txt", ...)` gives a finished text. `render_notice("email/x.html", ...)` gives the
e-mail of a notification, rendered once per notice: what differs per recipient (`$first_name`,
`$link`, `$unsubscribe_url`) is written in the template itself as a `string.Template`
placeholder, which the delivery's e-mail channel fills in for each recipient.

Languages: `locale="en"` renders `email/en/x.txt` when it exists, else `email/x.txt` (French, the
default). One rule: an English template sits in an `en/` folder beside the French one it translates. Every value such a
template prints has its `$` doubled (`finalize`), so a `$` in a member's text never starts a
placeholder; in `.html` templates it is HTML-escaped as well (autoescape). Call sites escape nothing.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape


def _nl2br(value: Any) -> Markup:
    """Line breaks of a text as <br> in HTML, the text itself escaped."""
    return Markup("<br>").join(escape(str(value)).split("\n"))


def _dollars(value: Any) -> Any:
    return value.replace("$", "$$") if isinstance(value, str) else value


ENV = Environment(
    loader=PackageLoader("backend", "templates"), autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
    keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
)
ENV.filters["nl2br"] = _nl2br
NOTICE_ENV = ENV.overlay(finalize=_dollars)


def localized(name: str, locale: str) -> list[str]:
    """The names to try for `name` in `locale`: "email/alert.txt", "en" -> email/en/alert.txt first."""
    if not locale or locale == "fr":
        return [name]
    folder, _, file = name.rpartition("/")
    return [f"{folder}/{locale}/{file}" if folder else f"{locale}/{file}", name]


def render(name: str, /, locale: str = "fr", **context: Any) -> str:
    """Template `name` (under backend/templates/), in `locale` when translated, rendered with `context`."""
    return ENV.select_template(localized(name, locale)).render(context)


def render_notice(name: str, /, locale: str = "fr", **context: Any) -> str:
    """Template `name` rendered as a `string.Template` source: printed values have `$` doubled."""
    return NOTICE_ENV.select_template(localized(name, locale)).render(context)
