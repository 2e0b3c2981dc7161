"""Bulk email: templates rendered once and personalised as bytes, sent over reused SMTP
connections to the real catcher; refusals sorted into retry and failed."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from typing import Any

import pytest

from backend.delivery.channels.email import MailTemplate, render_template_bytes, send_rendered
from backend.devtools.loopback import free_port
from backend.devtools.mailcatcher import MailCatcher
from backend.settings import Settings

ALERT = MailTemplate(
    subject="Alerte à $community : $title",
    text="Bonjour $name,\n\n$body\n\nVoir l'alerte : $url\nSe désabonner : $unsubscribe_url\n",
    html='<p>Bonjour $name,</p><p>$body</p><p><a href="$url">Voir l\'alerte</a></p>'
    '<p><a href="$unsubscribe_url">Se désabonner</a></p>',
)


def values(name: str = "Zoé", **over: str) -> dict[str, str]:
    return {
        "name": name, "community": "Les Tilleuls", "title": "Voiture suspecte",
        "body": "Garée depuis trois jours rue de l’Église, fenêtres ouvertes. Soyez vigilants « ce soir ».",
        "url": "https://vigie.example/alerts/42", "unsubscribe_url": "https://vigie.example/u/t0k?c=1&m=email",
        **over,
    }  # fmt: skip


def body(message: EmailMessage, kind: str) -> str:
    """The text of a part, with the CRLF line ends of the wire turned into \\n."""
    part = message.get_body((kind,))
    assert part is not None
    return part.get_content().replace("\r\n", "\n")


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


@pytest.fixture
def mail(fx_mail: MailCatcher) -> MailCatcher:
    fx_mail.clear()
    fx_mail.refuse_with = None
    yield fx_mail
    fx_mail.refuse_with = None


def test_rendered_alert_parses_back_with_accents_and_escaped_html(fx_base_settings: Settings) -> None:
    raw = render_template_bytes(fx_base_settings, ALERT, "zoe@example.org", values(name='Zoé <script>"&'))
    message = parse(raw)
    assert message["To"] == "zoe@example.org"
    assert message["From"] == fx_base_settings.mail_from
    assert message["Subject"] == "Alerte à Les Tilleuls : Voiture suspecte"
    assert message["List-Unsubscribe"] == "<https://vigie.example/u/t0k?c=1&m=email>"
    assert message["Date"] and message["Message-ID"].endswith("@vigie.local>")
    assert message.get_content_type() == "multipart/alternative"
    text, html = body(message, "plain"), body(message, "html")
    assert text.startswith('Bonjour Zoé <script>"&,\n\nGarée depuis trois jours rue de l’Église, fenêtres')
    assert "« ce soir »" in text and "Se désabonner : https://vigie.example/u/t0k?c=1&m=email" in text
    assert "<p>Bonjour Zoé &lt;script&gt;&quot;&amp;,</p>" in html
    assert '<a href="https://vigie.example/u/t0k?c=1&amp;m=email">Se désabonner</a>' in html
    assert raw.isascii() and all(len(line) <= 78 for line in raw.split(b"\r\n"))


def test_each_recipient_gets_fresh_headers_and_no_unsubscribe_header_without_url(fx_base_settings: Settings) -> None:
    first = parse(render_template_bytes(fx_base_settings, ALERT, "a@example.org", values("Anne")))
    second = parse(render_template_bytes(fx_base_settings, ALERT, "b@example.org", values("Bruno", unsubscribe_url="")))
    assert first["Message-ID"] != second["Message-ID"]
    assert (first["To"], second["To"]) == ("a@example.org", "b@example.org")
    assert "Bonjour Bruno," in body(second, "plain")
    assert second["List-Unsubscribe"] is None


def test_text_only_template_and_subject_without_accents(fx_base_settings: Settings) -> None:
    template = MailTemplate(subject="Code $code", text="Votre code : $code\n", html="")
    message = parse(render_template_bytes(fx_base_settings, template, "Zoé Lambert <zoe@example.org>", {"code": "K7P"}))
    assert message.get_content_type() == "text/plain"
    assert message["Subject"] == "Code K7P" and body(message, "plain") == "Votre code : K7P\n"
    assert message["To"].addresses[0].display_name == "Zoé Lambert"


def test_values_cannot_inject_headers(fx_base_settings: Settings) -> None:
    raw = render_template_bytes(fx_base_settings, ALERT, "a@example.org",
                                values(title="x\r\nBcc: victim@example.org", unsubscribe_url="https://u\r\nBcc: v"))  # fmt: skip
    message = parse(raw)
    assert message["Bcc"] is None and "Bcc" in message["Subject"]
    multiline = parse(render_template_bytes(fx_base_settings, ALERT, "a@example.org", values(body="un\r\ndeux\rtrois")))
    assert "un\ndeux\ntrois" in body(multiline, "plain")
    with pytest.raises(ValueError):
        render_template_bytes(fx_base_settings, ALERT, "a@example.org\r\nBcc: v@example.org", values())


async def test_two_hundred_alerts_over_four_connections_all_reach_the_relay(
    fx_base_settings: Settings, mail: MailCatcher
) -> None:
    items = [
        (f"d-{i}", f"member{i}@example.org", render_template_bytes(fx_base_settings, ALERT, f"member{i}@example.org",
                                                                   values(f"Membre {i}")))
        for i in range(200)
    ]  # fmt: skip
    results = await send_rendered(fx_base_settings, items, connections=4)
    assert [(r.ref, r.outcome) for r in results] == [(f"d-{i}", "sent") for i in range(200)]
    caught = await mail.wait_for_async(200)
    assert sorted(c.rcpt_tos for c in caught) == sorted((f"member{i}@example.org",) for i in range(200))
    one = next(c for c in caught if c.rcpt_tos == ("member7@example.org",))
    assert one.mail_from == "ne-pas-repondre@vigie.local"
    assert "Bonjour Membre 7," in body(one.message, "plain")


@pytest.mark.parametrize("code,outcome", [(421, "retry"), (450, "retry"), (550, "failed")])
async def test_refusals_are_sorted_into_retry_and_failed(
    fx_base_settings: Settings, mail: MailCatcher, code: int, outcome: str
) -> None:
    mail.refuse_with = code
    items = [(f"d-{i}", f"m{i}@example.org", render_template_bytes(fx_base_settings, ALERT, f"m{i}@example.org",
                                                                  values())) for i in range(6)]  # fmt: skip
    results = await send_rendered(fx_base_settings, items, connections=2)
    assert [r.outcome for r in results] == [outcome] * 6
    assert str(code) in results[0].reason
    assert mail.messages == []


async def test_relay_down_means_retry_for_every_message(fx_base_settings: Settings) -> None:
    settings = fx_base_settings.with_(smtp_port=free_port())
    items: list[tuple[str, str, Any]] = [("d-1", "a@example.org", b"Subject: x\r\n\r\nx\r\n"),
                                         ("d-2", "b@example.org", b"Subject: y\r\n\r\ny\r\n")]  # fmt: skip
    results = await send_rendered(settings, items, connections=4)
    assert [r.outcome for r in results] == ["retry", "retry"]
    assert results[0].reason.startswith("SMTP connection failed")


async def test_bad_address_fails_alone(fx_base_settings: Settings, mail: MailCatcher) -> None:
    raw = render_template_bytes(fx_base_settings, ALERT, "a@example.org", values())
    results = await send_rendered(fx_base_settings, [("d-1", "", raw), ("d-2", "a@example.org", raw)])
    assert [r.outcome for r in results] == ["failed", "sent"]


def test_a_delivery_mail_has_the_same_message_id_each_time_it_is_sent(fx_base_settings: Settings) -> None:
    from backend.delivery.channels.email import delivery_message_id

    def message_id(settings: Settings, delivery_id: int) -> str:
        raw = render_template_bytes(settings, ALERT, "a@example.org", values("Anne"),
                                    message_id=delivery_message_id(settings, delivery_id))
        return parse(raw)["Message-ID"]

    first, again = message_id(fx_base_settings, 41), message_id(fx_base_settings, 41)
    assert first == again and first.startswith("<vigie.delivery.41.") and first.endswith("@vigie.local>")
    assert message_id(fx_base_settings, 42) != first
    other_install = fx_base_settings.with_(secret_key="another-installation-secret")
    assert message_id(other_install, 41) != first  # two installations never share an id
    plain = parse(render_template_bytes(fx_base_settings, ALERT, "a@example.org", values("Anne")))["Message-ID"]
    assert plain != first  # account mails and previews keep a fresh one
