"""Email adapter: aiosmtplib, one connection reused for a whole batch."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from backend.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    text: str
    html: str = ""
    headers: tuple[tuple[str, str], ...] = ()


def build_message(settings: Settings, mail: OutgoingMail) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="vigie.local")
    for name, value in mail.headers:
        msg[name] = value
    msg.set_content(mail.text)
    if mail.html:
        msg.add_alternative(mail.html, subtype="html")
    return msg


def smtp_client(settings: Settings, timeout: float = 20) -> aiosmtplib.SMTP:
    return aiosmtplib.SMTP(
        hostname=settings.smtp_host, port=settings.smtp_port, use_tls=settings.smtp_tls,
        start_tls=settings.smtp_starttls if not settings.smtp_tls else False,
        username=settings.smtp_username or None, password=settings.smtp_password or None, timeout=timeout,
    )


async def send_email(settings: Settings, mails: list[OutgoingMail]) -> None:
    """Send every mail on one SMTP connection; raises on the first failure (the job retries)."""
    if not mails:
        return
    async with smtp_client(settings) as smtp:
        for mail in mails:
            await smtp.send_message(build_message(settings, mail))
