"""Email adapter: aiosmtplib, sessions kept open across jobs (`SmtpPool`); pre-rendered bulk mail."""

from __future__ import annotations

import asyncio
import binascii
import hashlib
import hmac
import html
import logging
import re
import secrets
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from email.header import Header
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from functools import lru_cache
from string import Template

import aiosmtplib

from backend.lib import metrics
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


# --------------------------------------------------------------------------- batches
#
# Building an `EmailMessage` costs ~2.8 ms; an alert to thousands of members cannot afford
# it per recipient. A template is laid out once (headers, MIME boundary, part headers) and
# each recipient's message is that skeleton joined with their own headers and their own
# substituted, quoted-printable-encoded text and HTML (~20 µs), then sent as bytes over a
# few reused SMTP connections.


@dataclass(frozen=True)
class MailTemplate:
    """A mail with `$placeholders` (string.Template), filled per recipient by
    `render_template_bytes`; values are HTML-escaped in the HTML part. `html` may be empty."""

    subject: str
    text: str
    html: str = ""


@dataclass(frozen=True)
class MailResult:
    ref: str
    outcome: str
    """sent, retry (4xx reply, connection trouble) or failed (5xx reply, bad address)."""
    reason: str


@dataclass(frozen=True)
class _Skeleton:
    subject: Template
    text: Template
    html: Template | None
    head: bytes
    """From, MIME-Version, Auto-Submitted and the top Content-Type, CRLF-terminated."""
    text_open: bytes
    html_open: bytes
    close: bytes
    domain: str


def _qp(data: str) -> bytes:
    """Quoted-printable UTF-8 with CRLF line ends, whatever line ends `data` has."""
    data = data.replace("\r\n", "\n").replace("\r", "\n")
    return binascii.b2a_qp(data.encode("utf-8"), quotetabs=False, istext=True, header=False).replace(b"\n", b"\r\n")


@lru_cache(maxsize=64)
def _skeleton(template: MailTemplate, mail_from: str) -> _Skeleton:
    name, address = parseaddr(mail_from)
    domain = address.rpartition("@")[2] or "vigie.local"
    part = 'Content-Type: text/{}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n'
    head = f"From: {formataddr((name, address), charset='utf-8')}\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n"
    if template.html:
        # "=_" cannot occur in quoted-printable text (a "=" is always followed by hex or a
        # line break), so the boundary never collides with a body.
        boundary = f"=_vigie_{secrets.token_hex(12)}"
        head += f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n'
        text_open = f"\r\n--{boundary}\r\n{part.format('plain')}\r\n"
        html_open = f"\r\n--{boundary}\r\n{part.format('html')}\r\n"
        close = f"\r\n--{boundary}--\r\n"
    else:
        head += part.format("plain")
        text_open, html_open, close = "\r\n", "", ""
    return _Skeleton(
        subject=Template(template.subject), text=Template(template.text),
        html=Template(template.html) if template.html else None,
        head=head.encode("ascii"), text_open=text_open.encode("ascii"), html_open=html_open.encode("ascii"),
        close=close.encode("ascii"), domain=domain,
    )  # fmt: skip


@lru_cache(maxsize=512)
def _subject_header(subject: str) -> bytes:
    if subject.isascii() and len(subject) < 900:
        return f"Subject: {subject}\r\n".encode("ascii")
    encoded = Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n")
    return f"Subject: {encoded}\r\n".encode("ascii")


def _to_header(to: str) -> bytes:
    if to.isascii():
        return f"To: {to}\r\n".encode("ascii")
    return f"To: {formataddr(parseaddr(to), charset='utf-8')}\r\n".encode("ascii", "replace")


def _single_line(value: str) -> str:
    return " ".join(value.split())


def delivery_message_id(settings: Settings, delivery_id: int) -> str:
    """The Message-ID of delivery `delivery_id`'s mail: the same for every (re)send of it, so a
    copy sent again after a worker died is the same message to mail systems that de-duplicate;
    keyed by this installation's secret, so two installations never share one."""
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "vigie.local"
    tag = hmac.new(settings.secret_key.encode(), f"delivery:{delivery_id}".encode(), hashlib.sha256).hexdigest()[:16]
    return f"<vigie.delivery.{delivery_id}.{tag}@{domain}>"


def render_template_bytes(settings: Settings, template: MailTemplate, to: str, values: dict[str, str],
                          message_id: str | None = None) -> bytes:
    """The complete message for `to`, ready for `sendmail`: `template` with `values`
    substituted (HTML-escaped in the HTML part), fresh Date/To headers, `message_id` (or a fresh
    one), and `List-Unsubscribe` when `values` has an `unsubscribe_url`. UTF-8, quoted-printable."""
    if "\r" in to or "\n" in to:
        raise ValueError("a recipient must be a single line")
    skeleton = _skeleton(template, settings.mail_from)
    message_id = message_id or make_msgid(domain=skeleton.domain)
    headers = [
        skeleton.head,
        _to_header(to),
        _subject_header(_single_line(skeleton.subject.safe_substitute(values))),
        f"Date: {formatdate(usegmt=True)}\r\nMessage-ID: {message_id}\r\n".encode("ascii"),
    ]
    unsubscribe = _single_line(values.get("unsubscribe_url", "")).replace("<", "").replace(">", "")
    if unsubscribe:
        headers.append(f"List-Unsubscribe: <{unsubscribe}>\r\n".encode("ascii", "replace"))
    parts = [*headers, skeleton.text_open, _qp(skeleton.text.safe_substitute(values))]
    if skeleton.html is not None:
        escaped = {key: html.escape(str(value)) for key, value in values.items()}
        parts += [skeleton.html_open, _qp(skeleton.html.safe_substitute(escaped)), skeleton.close]
    elif not parts[-1].endswith(b"\r\n"):
        parts.append(b"\r\n")
    return b"".join(parts)


class SmtpPool:
    """SMTP sessions kept open between e-mail jobs, as an HTTP client keeps its connections.

    An alert's e-mails go out in jobs of 100, each over `email_connections` sessions: without a
    pool each job opened (TCP, banner, EHLO, and STARTTLS and AUTH in production) and closed
    them all. A session handed back stays open for the next job, up to `keep` of them, for at
    most `idle_seconds`; one taken again is first checked with a NOOP, so a relay that dropped
    it while it waited costs a fresh session, not a message. One pool per worker process
    (`batches.kept`), closed when the worker stops.
    """

    def __init__(self, settings: Settings, keep: int | None = None, idle_seconds: float = 30.0) -> None:
        self.settings = settings
        self.keep = keep if keep is not None else settings.email_connections * settings.worker_concurrency
        self.idle_seconds = idle_seconds
        self._idle: deque[tuple[aiosmtplib.SMTP, float]] = deque()
        self.opened = 0
        """Sessions this pool has opened (a test and the bench read it)."""

    async def take(self) -> aiosmtplib.SMTP:
        """An open session: an idle one that still answers, else a new one (raises as `connect`)."""
        loop = asyncio.get_running_loop()
        while self._idle:
            smtp, since = self._idle.pop()  # the most recent: the likeliest still open
            if loop.time() - since <= self.idle_seconds and smtp.is_connected:
                try:
                    await smtp.noop()
                    return smtp
                except (aiosmtplib.SMTPException, OSError):
                    pass
            smtp.close()
        smtp = smtp_client(self.settings)
        await smtp.connect()
        self.opened += 1
        metrics.SMTP_SESSIONS_OPENED.inc()
        return smtp

    async def give_back(self, smtp: aiosmtplib.SMTP) -> None:
        """Keep `smtp` for a later job, or say goodbye to it when the pool is full."""
        if not smtp.is_connected:
            return
        if len(self._idle) < self.keep:
            self._idle.append((smtp, asyncio.get_running_loop().time()))
            return
        await _quit(smtp)

    async def close(self) -> None:
        while self._idle:
            await _quit(self._idle.pop()[0])

    async def __aenter__(self) -> SmtpPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def _quit(smtp: aiosmtplib.SMTP) -> None:
    try:
        await smtp.quit()
    except (aiosmtplib.SMTPException, OSError):
        smtp.close()


async def send_rendered(
    settings: Settings, items: Sequence[tuple[str, str, bytes]], connections: int = 4,
    on_result: Callable[[MailResult], Awaitable[None]] | None = None,
    before_send: Callable[[], Awaitable[None]] | None = None, pool: SmtpPool | None = None,
) -> list[MailResult]:
    """Send pre-rendered messages `(ref, to, bytes)` over `connections` SMTP sessions, taken from
    `pool` and handed back to it (without a pool: opened for this call and closed after it).

    One result per item, in order. A 4xx reply or lost connection → retry, a 5xx reply →
    failed, for that message; a connection that drops stops taking messages, and what no
    connection could send ends as retry. `on_result`, if given, is awaited with each result
    as it comes (those no connection sent: at the end), `before_send` before each message.
    """
    if pool is None:
        async with SmtpPool(settings, keep=0) as own:
            return await send_rendered(settings, items, connections, on_result, before_send, own)
    results: list[MailResult | None] = [None] * len(items)
    pending = deque(range(len(items)))
    envelope_from = parseaddr(settings.mail_from)[1]
    trouble = ["no SMTP connection"]

    async def session() -> None:
        try:
            smtp = await pool.take()
        except (aiosmtplib.SMTPException, OSError) as exc:
            trouble[0] = f"SMTP connection failed: {exc}"
            return
        troubled = False  # a timeout or a protocol error: not a session to hand to the next job
        try:
            while pending and smtp.is_connected:
                if before_send is not None:
                    await before_send()
                    if not (pending and smtp.is_connected):
                        break
                index = pending.popleft()
                ref, to, raw = items[index]
                in_flight.inc()
                try:
                    result = results[index] = await _send_raw(smtp, envelope_from, ref, to, raw)
                finally:
                    in_flight.dec()
                if result.outcome == "retry":
                    trouble[0] = result.reason
                    troubled = troubled or result.reason.startswith(_CONNECTION_TROUBLE)
                if on_result is not None:
                    await on_result(result)
        except BaseException:
            smtp.close()  # cut short mid-message (cancelled): the session's state is unknown
            raise
        if troubled:
            smtp.close()
        else:
            await pool.give_back(smtp)

    in_flight = metrics.SENDS_IN_FLIGHT.labels("email")
    await asyncio.gather(*(session() for _ in range(max(1, min(connections, len(items))))))
    out: list[MailResult] = []
    for i, r in enumerate(results):
        if r is None:
            r = MailResult(items[i][0], "retry", trouble[0])
            if on_result is not None:
                await on_result(r)
        out.append(r)
    return out


_CONNECTION_TROUBLE = "SMTP connection:"

_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")
"""A bare ASCII addr-spec, as our accounts hold: nothing for `parseaddr` to take apart."""


async def _transaction(smtp: aiosmtplib.SMTP, envelope_from: str, recipient: str, raw: bytes) -> None:
    """MAIL, RCPT and DATA for one recipient: `sendmail()` minus its checks that re-parse both
    addresses and re-scan the message for the optional SIZE (~100 µs a message, a quarter of
    the sender's CPU in bench/fanout.py); `mail()`/`rcpt()` still quote and check them. On a
    refusal the envelope is reset, as `sendmail()` does, and the error raised."""
    try:
        await smtp.mail(envelope_from)
        await smtp.rcpt(recipient)
        await smtp.data(raw)
    except aiosmtplib.SMTPResponseException:
        try:
            await smtp.rset()
        except (aiosmtplib.SMTPException, OSError):
            pass
        raise


async def _send_raw(smtp: aiosmtplib.SMTP, envelope_from: str, ref: str, to: str, raw: bytes) -> MailResult:
    recipient = to if _PLAIN_ADDRESS.fullmatch(to) else parseaddr(to)[1]
    if not recipient:
        return MailResult(ref, "failed", f"bad address {to!r}")
    try:
        await _transaction(smtp, envelope_from, recipient, raw)
        return MailResult(ref, "sent", "")
    except aiosmtplib.SMTPResponseException as exc:
        code, message = exc.code, exc.message
    except (aiosmtplib.SMTPException, OSError) as exc:  # disconnected, timeout, not supported
        return MailResult(ref, "retry", f"{_CONNECTION_TROUBLE} {exc}")
    except ValueError as exc:  # an address aiosmtplib cannot send safely
        return MailResult(ref, "failed", f"bad address: {exc}")
    return MailResult(ref, "failed" if 500 <= code < 600 else "retry", f"{code} {message}"[:200])
