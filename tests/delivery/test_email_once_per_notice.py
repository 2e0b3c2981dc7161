"""An e-mail notice is rendered once for a whole batch: its handler is asked once, each
recipient's copy is the same Jinja2-rendered template with their own values, escaped in HTML."""

from __future__ import annotations

from typing import Any

from backend.delivery import kinds
from backend.delivery.fanout import FanoutPlan, Recipient
from backend.delivery.jobs import send_email
from backend.delivery.kinds import Notice
from backend.delivery.tables import Delivery
from backend.demo import make_commune, make_community, make_user
from backend.lib.sql import bulk_insert
from backend.lib.templates import NOTICE_ENV
from backend.settings import Settings

KIND = "test_once"
TEMPLATE_HTML = NOTICE_ENV.from_string(
    '<p>Bonjour $first_name,</p><p>{{ body }}</p><p><a href="$link">Voir</a> · <a href="$unsubscribe_url">Stop</a></p>')
TEMPLATE_TEXT = NOTICE_ENV.overlay(autoescape=False).from_string(  # as a .txt file is
    "Bonjour $first_name,\n\n{{ body }}\n\n$link\nStop : $unsubscribe_url\n")


class CountingNotices:
    def __init__(self) -> None:
        self.calls = 0

    async def audience(self, ref_id: int) -> tuple[list[Recipient], FanoutPlan] | None:
        return None

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice:
        self.calls += 1
        body = "Coupure d'eau <demain> : 5 $ la bouteille"
        return Notice(title="Coupure", body=body, url=f"/#/x/{ref_id}", tag="t", event=KIND, ref_id=ref_id,
                      email_subject="Coupure d'eau", email_text=TEMPLATE_TEXT.render(body=body),
                      email_html=TEMPLATE_HTML.render(body=body))


async def test_one_notice_render_serves_every_recipient_of_the_batch(
        fx_engine: Any, fx_settings: Settings, fx_mail: Any) -> None:
    commune = await make_commune()
    community = await make_community(commune, "Les Tilleuls")
    names = ["Zoé", "Léo <b>", "Inès & Co", "Noé"]
    users = [await make_user(f"n{i}@test.vigie.fr", name, "T", password_hash="x", community_id=community)
             for i, name in enumerate(names)]
    await bulk_insert(Delivery, ["kind", "ref_id", "user", "channel", "state"],
                      [(KIND, 12, u, "email", "queued") for u in users])
    ids = [r["id"] for r in await Delivery.select(Delivery.id).order_by(Delivery.id)]
    handler = CountingNotices()
    kinds.register(KIND, handler)
    try:
        assert await send_email({"settings": fx_settings, "queues": None}, delivery_ids=ids) == len(ids)
    finally:
        kinds.KINDS.pop(KIND, None)
    assert handler.calls == 1  # once for the batch (all in French), not once per recipient
    mails = await fx_mail.wait_for_async(len(names), timeout=10)
    by_first_line = {}
    for mail in mails:
        html = mail.message.get_body(("html",)).get_content()
        text = mail.message.get_body(("plain",)).get_content()
        by_first_line[text.splitlines()[0]] = (text, html)
        assert "Coupure d&#39;eau &lt;demain&gt; : 5 $ la bouteille" in html  # Jinja2 autoescape; `$` as typed
        assert "Coupure d'eau <demain> : 5 $ la bouteille" in text
        assert "/#/x/12" in text and "api/v1/email/unsubscribe?token=" in text
    assert sorted(by_first_line) == sorted(f"Bonjour {n}," for n in names)
    assert "<p>Bonjour Léo &lt;b&gt;,</p>" in by_first_line["Bonjour Léo <b>,"][1]
    assert "<p>Bonjour Inès &amp; Co,</p>" in by_first_line["Bonjour Inès & Co,"][1]
    states = {r["state"] for r in await Delivery.select(Delivery.state)}
    assert states == {"sent"}
