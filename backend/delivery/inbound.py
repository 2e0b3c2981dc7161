"""Inbound SMS: the provider's signed webhook and the dispatcher of command words.

The webhook checks the provider's signature (docs/sms-provider.md), finds the verified member
who texted, and hands the SMS to the commands the domains registered (`Domain.sms_commands`,
gathered by the wiring into `app.state.sms_commands`). Commands are tried by ascending
`priority`; the first whose handler answers (returns `Handled`) wins, so a word that means
something only while a question is open (« OUI » to a safety check) passes on to the next
command when nothing is open. The order, lowest first:

- `ANSWER` (10-29): answers to an open question — a mairie safety check (OUI / AIDE), then the
  consent SMS of a check-in (OUI / NON);
- `COMMAND` (30-49): STOP / ARRET (delivery: SMS off), AIDE / HELP / INFO (alerts: how to use it);
- `REPLY` (50-89): « OK » to a running check-in;
- `FALLBACK` (90-): everything else — an alert, or the explanation that a bare word is not one.

Delivery knows no domain above it: it holds only STOP, the engine's own command.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Iterable

import msgspec
from litestar import Litestar, Request, Response, post

from backend.auth.guards import public
from backend.communities.tables import Membership, MembershipStatus
from backend.delivery.channels.sms import verify_inbound_signature
from backend.delivery.preferences import set_channel
from backend.lib.deps import settings_of
from backend.lib.errors import DomainError, Unauthorized
from backend.lib.i18n import supported
from backend.lib.phones import to_e164
from backend.lib.queues import Queues
from backend.lib.text import fold

log = logging.getLogger(__name__)

ANSWER = 10
COMMAND = 30
REPLY = 50
FALLBACK = 90


class InboundSms(msgspec.Struct):
    """The provider's JSON body (docs/sms-provider.md)."""

    id: str
    text: str
    received_at: str = ""
    to: str = ""
    sender: str = msgspec.field(name="from", default="")


@dataclass(frozen=True)
class Member:
    """The verified member who texted: their first active membership."""

    user_id: int
    community_id: int
    community_name: str
    locale: str = "fr"
    """The member's language (User.locale): the SMS replies are written in it."""


@dataclass(frozen=True)
class SmsContext:
    """What a command handler gets: the app (settings, queues, live publishing), the SMS, its sender."""

    app: Litestar
    message: InboundSms
    member: Member

    @property
    def word(self) -> str:
        """The whole SMS as one command word: « Oui. », «  ok ! », « Arrêt » → OUI, OK, ARRET."""
        return command_word(self.message.text)

    @property
    def queues(self) -> Queues:
        return self.app.state.queues


@dataclass(frozen=True)
class Handled:
    """A command's answer: the webhook's `status`, the SMS `reply` to text back (if any), more fields."""

    status: str
    reply: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SmsCommand:
    """One command a domain answers: `handle` returns None when the SMS is not for it (next command)."""

    name: str
    handle: Callable[[SmsContext], Awaitable[Handled | None]]
    words: frozenset[str] = frozenset()
    """The SMS read as one command word must be one of these; empty: the handler looks at every SMS."""
    priority: int = FALLBACK


def words_of(text: str) -> list[str]:
    """The words of an SMS, lower-case, without accents or punctuation (« Arrêt ! » → ["arret"])."""
    return fold(text).split()


def command_word(text: str) -> str:
    """The whole SMS as one command word: « Oui. », «  ok ! », « Arrêt » → OUI, OK, ARRET."""
    return " ".join(words_of(text)).upper()


def ordered(commands: Iterable[SmsCommand]) -> tuple[SmsCommand, ...]:
    """The commands in the order they are tried (priority, then registration order)."""
    return tuple(sorted(commands, key=lambda c: c.priority))


async def dispatch(commands: Iterable[SmsCommand], context: SmsContext) -> Handled:
    """Try the commands in order; the first that answers wins. Nothing answers: `ignored`."""
    word = context.word
    for command in ordered(commands):
        if command.words and word not in command.words:
            continue
        handled = await command.handle(context)
        if handled is not None:
            return handled
    return Handled("ignored")


async def _stop(context: SmsContext) -> Handled:
    await set_channel(context.member.user_id, "sms", False)
    await set_channel(context.member.user_id, "sms_fallback", False)  # STOP means no SMS at all
    return Handled("sms_off", STOPPED[supported(context.member.locale)])


STOPPED = {"fr": "Vigie : vous ne recevrez plus les alertes par SMS. Réactivez-les dans l'application.",
           "en": "Vigie: you will no longer receive alerts by SMS. Turn them back on in the app."}


STOP = SmsCommand("stop", _stop, frozenset({"STOP", "ARRET"}), COMMAND)
"""STOP / ARRET: no more SMS (the delivery engine's own command)."""


async def member_by_phone(phone: str) -> Member | None:
    """The verified member with this number (read as stored: E.164, whether the provider sends
    +33…, 0033… or 06…)."""
    phone = to_e164(phone) or phone
    row = await Membership.select(Membership.user, Membership.community, Membership.community.name,
                                  Membership.user.locale).where(
        (Membership.user.phone == phone) & (Membership.status == MembershipStatus.ACTIVE)
        & (Membership.user.is_suspended == False)  # noqa: E712
    ).order_by(Membership.id).first()
    return Member(row["user"], row["community"], row["community.name"], supported(row["user.locale"])) if row else None


async def _reply(queues: Queues, message_id: str, to: str, text: str) -> None:
    # The provider dedupes on `ref`, so a retried webhook never texts twice.
    await queues.enqueue("sms", "send_sms_reply", job_key=f"sms-reply:{message_id}",
                         ref=f"in-{message_id}"[:64], to=to, text=text)


@post("/api/v1/sms/inbound", guards=[public], status_code=200, tags=["sms"])
async def sms_inbound(request: Request) -> Response[dict]:
    settings = settings_of(request)
    body = await request.body()
    if not settings.sms_inbound_secret or not verify_inbound_signature(
            settings.sms_inbound_secret, body, request.headers.get("x-vigie-timestamp"),
            request.headers.get("x-vigie-signature"), time.time()):
        raise Unauthorized("Signature invalide.", "bad_signature")
    try:
        message = msgspec.json.decode(body, type=InboundSms)
    except msgspec.DecodeError:
        raise DomainError("Message mal formé.", "invalid_inbound") from None
    member = await member_by_phone(message.sender)
    if member is None:
        log.warning("inbound SMS %s from an unknown number refused", message.id)
        return Response({"status": "refused", "reason": "unknown_number"})
    context = SmsContext(app=request.app, message=message, member=member)
    handled = await dispatch(request.app.state.sms_commands, context)
    if handled.reply is not None:
        await _reply(context.queues, message.id, message.sender, handled.reply)
    return Response({"status": handled.status, **handled.fields})


ROUTES = [sms_inbound]
