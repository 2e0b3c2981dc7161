"""Alerts by SMS: the provider's signed webhook. STOP/ARRET and AIDE are commands."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import msgspec
from litestar import Request, Response, post

from backend.alerts import service
from backend.alerts.schemas import AlertIn
from backend.auth.guards import public
from backend.auth.tables import User
from backend.communities.tables import Membership, MembershipStatus
from backend.delivery import service as delivery
from backend.delivery.channels.sms import verify_inbound_signature
from backend.lib.deps import queues_of, settings_of
from backend.lib.errors import DomainError, Unauthorized
from backend.lib.french import de
from backend.lib.phones import to_e164
from backend.lib.text import fold

try:  # Veille solidaire: "OK" in answer to a check-in reminder records the check-in
    from backend.checkins.actions import checkin_by_sms, is_ok_reply
except ModuleNotFoundError:  # domain not installed
    checkin_by_sms = is_ok_reply = None  # type: ignore[assignment]

try:  # Mairie safety checks: while one is open for the member, OUI = all is well, AIDE = I need help
    from backend.mairie.safety import sms_answer as safety_sms_answer
except ModuleNotFoundError:  # domain not installed
    safety_sms_answer = None  # type: ignore[assignment]
SAFETY_WORDS = {"OUI", "AIDE"}

try:  # Veille solidaire: OUI / NON answer the consent SMS of a check-in a referent set up for the member
    from backend.checkins.management import answer_by_sms as checkin_consent_answer
except ModuleNotFoundError:  # domain not installed
    checkin_consent_answer = None  # type: ignore[assignment]
CHECKIN_CONSENT_WORDS = {"OUI", "NON"}

log = logging.getLogger(__name__)

HELP = ("Vigie : envoyez un SMS décrivant la situation pour alerter vos voisins. "
        "STOP ou ARRET : ne plus recevoir les alertes par SMS. Urgence : 17 ou 112.")
STOP_WORDS = {"STOP", "ARRET"}
HELP_WORDS = {"AIDE", "HELP", "INFO"}


class InboundSms(msgspec.Struct):
    id: str
    text: str
    received_at: str = ""
    to: str = ""
    sender: str = msgspec.field(name="from", default="")


def _words(text: str) -> list[str]:
    """The words of an SMS, lower-case, without accents or punctuation (« Arrêt ! » → ["arret"])."""
    return fold(text).split()


def _word(text: str) -> str:
    """The whole SMS as one command word: « Oui. », «  ok ! », « Arrêt » → OUI, OK, ARRET."""
    return " ".join(_words(text)).upper()


# Answers, commands and courtesies that say nothing about a situation: an SMS made only of them
# (« OUI », « Ok merci », « non ! », « Aide », « tout va bien ») is never an alert. A late answer to
# a closed check or a finished check-in otherwise reached the whole neighbourhood by SMS and e-mail.
NOT_AN_ALERT_WORDS = frozenset(
    "oui non ok okay oke okey ouais yes no aide help info stop arret merci bien recu recue note vu "
    "daccord dac accord d bonjour bonsoir salut hello coucou test ca va tout c est super top parfait "
    "entendu compris beaucoup svp ras rien a signaler".split())
MIN_ALERT_LETTERS = 3
"""An SMS alert needs at least this many letters outside NOT_AN_ALERT_WORDS (« Feu » is an alert)."""


def is_bare_reply(text: str) -> bool:
    """True when the SMS has no content of its own: only command/answer words, or almost no letters."""
    content = [w for w in _words(text) if w not in NOT_AN_ALERT_WORDS]
    return sum(c.isalpha() for w in content for c in w) < MIN_ALERT_LETTERS


def bare_reply_text(text: str) -> str:
    """The SMS answering a bare word: what happened (nothing) and how to send an alert."""
    said = _word(text)
    heard = f"votre réponse « {said[:20]} » ne correspond à aucune demande en cours" if said else \
        "votre message est vide ou trop court"
    return (f"Vigie : {heard}, rien n'a été envoyé. Pour alerter vos voisins, décrivez la situation "
            "en quelques mots (quoi, où). STOP : ne plus recevoir les SMS. Urgence : 17 ou 112.")


async def _member_by_phone(phone: str) -> tuple[int, int, str] | None:
    """(user id, community id, community name) of the verified member with this number (read as
    stored: E.164, whether the provider sends +33…, 0033… or 06…)."""
    phone = to_e164(phone) or phone
    row = await Membership.select(Membership.user, Membership.community, Membership.community.name).where(
        (Membership.user.phone == phone) & (Membership.status == MembershipStatus.ACTIVE)
        & (Membership.user.is_suspended == False)  # noqa: E712
    ).order_by(Membership.id).first()
    return (row["user"], row["community"], row["community.name"]) if row else None


async def _reply(request: Request, message_id: str, to: str, text: str) -> None:
    # The provider dedupes on `ref`, so a retried webhook never texts twice.
    await queues_of(request).enqueue("sms", "send_sms_reply", job_key=f"sms-reply:{message_id}",
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
    member = await _member_by_phone(message.sender)
    if member is None:
        log.warning("inbound SMS %s from an unknown number refused", message.id)
        return Response({"status": "refused", "reason": "unknown_number"})
    user_id, community_id, community_name = member
    word = _word(message.text)
    if word in SAFETY_WORDS and safety_sms_answer is not None:  # answers an open mairie safety check, if any
        reply = await safety_sms_answer(request.app, user_id, word)
        if reply is not None:
            await _reply(request, message.id, message.sender, reply)
            return Response({"status": "safety_answer"})
    if word in CHECKIN_CONSENT_WORDS and checkin_consent_answer is not None:  # a check-in waiting for their answer
        reply = await checkin_consent_answer(queues_of(request), user_id, word)
        if reply is not None:
            await _reply(request, message.id, message.sender, reply)
            return Response({"status": "checkin_answer"})
    if word in STOP_WORDS:
        await delivery.set_channel(user_id, "sms", False)
        await _reply(request, message.id, message.sender,
                     "Vigie : vous ne recevrez plus les alertes par SMS. Réactivez-les dans l'application.")
        return Response({"status": "sms_off"})
    if word in HELP_WORDS:
        await _reply(request, message.id, message.sender, HELP)
        return Response({"status": "help_sent"})
    if is_ok_reply is not None and is_ok_reply(message.text):
        confirmation = await checkin_by_sms(queues_of(request), user_id)
        if confirmation is not None:  # else: no check-in running, the SMS is an alert as usual
            await _reply(request, message.id, message.sender, confirmation)
            return Response({"status": "checked_in"})
    text = " ".join(message.text.split())
    if not text:
        return Response({"status": "ignored"})
    if is_bare_reply(text):  # « OUI », « ok merci », « non » with nothing open: explain, create nothing
        log.info("inbound SMS %s: a bare reply, no alert", message.id)
        await _reply(request, message.id, message.sender, bare_reply_text(text))
        return Response({"status": "not_an_alert"})
    title = text if len(text) <= 60 else text[:57].rstrip() + "…"
    alert, created = await service.post_alert(  # enqueues the fan-out and publishes after its commit
        request.app.state, user_id, community_id, AlertIn(category="other", title=title if len(title) >= 3 else f"SMS : {title}",
                                       body=text[:2000]),
        idempotency_key=f"sms:{message.id}"[:100], source="sms")
    if created:
        await _reply(request, message.id, message.sender,
                     f"Vigie : votre alerte est envoyée aux voisins {de(community_name)}. Urgence : 17 ou 112.")
    return Response({"status": "alert_created" if created else "duplicate", "alert_id": alert.id})


ROUTES = [sms_inbound]
