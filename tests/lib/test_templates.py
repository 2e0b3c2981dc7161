"""backend/lib/templates.py: the one Jinja2 environment of server texts."""

from __future__ import annotations

from string import Template

import pytest
from jinja2 import UndefinedError

from backend.lib.templates import NOTICE_ENV, render_notice


def test_a_notice_template_escapes_html_and_dollars_of_what_it_prints_once():
    html = NOTICE_ENV.from_string("<p>Bonjour $first_name,</p><p>{{ body | nl2br }}</p>").render(
        body="<b>5 $ le kilo</b>\n$link")
    assert html == "<p>Bonjour $first_name,</p><p>&lt;b&gt;5 $$ le kilo&lt;/b&gt;<br>$$link</p>"
    # The delivery then fills in the recipient's values; the member's `$` stay as they were typed.
    assert Template(html).substitute(first_name="Léa", link="x") == (
        "<p>Bonjour Léa,</p><p>&lt;b&gt;5 $ le kilo&lt;/b&gt;<br>$link</p>")


def test_html_is_escaped_only_in_html_templates():
    assert render_notice("email/checkin_invitation.txt", asked="A & B <c>", community="Gare", name="Odette",
                         when="tous les jours à 9 h").count("A & B <c>") == 1
    assert "A &amp; B &lt;c&gt;" in render_notice("email/checkin_invitation.html", asked="A & B <c>", community="Gare",
                                                  name="Odette", when="tous les jours à 9 h")


def test_a_missing_value_fails_loudly():
    with pytest.raises(UndefinedError):
        NOTICE_ENV.from_string("{{ nobody }}").render()
