"""Alerts by SMS: the alerts domain's commands for the inbound-SMS dispatcher (backend/delivery/inbound.py).

AIDE / HELP / INFO text back how to use it; any other SMS — once the other domains' commands
have passed — is an alert in the member's community, unless it is a bare word (« OUI »,
« ok merci ») that answers nothing open: that gets an explanation and creates nothing.
"""

from __future__ import annotations

import logging

from backend.alerts import service
from backend.alerts.schemas import AlertIn
from backend.delivery.inbound import COMMAND, FALLBACK, Handled, SmsCommand, SmsContext, command_word, words_of
from backend.lib.french import de

log = logging.getLogger(__name__)

HELP = {"fr": "Vigie : envoyez un SMS décrivant la situation pour alerter vos voisins. "
              "STOP ou ARRET : ne plus recevoir les alertes par SMS. Urgence : 17 ou 112.",
        "en": "Vigie: text a description of the situation to alert your neighbours. "
              "STOP or ARRET: no more alerts by SMS. Emergency: 17 or 112."}
"""The answer to AIDE / HELP / INFO, in the member's language (the command words stay the French ones)."""
HELP_WORDS = {"AIDE", "HELP", "INFO"}

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
    content = [w for w in words_of(text) if w not in NOT_AN_ALERT_WORDS]
    return sum(c.isalpha() for w in content for c in w) < MIN_ALERT_LETTERS


def bare_reply_text(text: str, locale: str = "fr") -> str:
    """The SMS answering a bare word: what happened (nothing) and how to send an alert."""
    said = command_word(text)
    if locale == "en":
        heard = f"your reply \"{said[:20]}\" answers no open request" if said else "your message is empty or too short"
        return (f"Vigie: {heard}, nothing was sent. To alert your neighbours, describe the situation in a few "
                "words (what, where). STOP: no more SMS. Emergency: 17 or 112.")
    heard = f"votre réponse « {said[:20]} » ne correspond à aucune demande en cours" if said else \
        "votre message est vide ou trop court"
    return (f"Vigie : {heard}, rien n'a été envoyé. Pour alerter vos voisins, décrivez la situation "
            "en quelques mots (quoi, où). STOP : ne plus recevoir les SMS. Urgence : 17 ou 112.")


def sent_text(community_name: str, locale: str = "fr") -> str:
    """The SMS confirming an alert sent by SMS."""
    if locale == "en":
        return f"Vigie: your alert has been sent to the neighbours of {community_name}. Emergency: 17 or 112."
    return f"Vigie : votre alerte est envoyée aux voisins {de(community_name)}. Urgence : 17 ou 112."


async def _help(context: SmsContext) -> Handled:
    return Handled("help_sent", HELP.get(context.member.locale, HELP["fr"]))


async def _alert(context: SmsContext) -> Handled:
    """Any other SMS: a new alert (the SMS id makes a retried webhook a duplicate), or an explanation."""
    message, member = context.message, context.member
    text = " ".join(message.text.split())
    if not text:
        return Handled("ignored")
    if is_bare_reply(text):  # « OUI », « ok merci », « non » with nothing open: explain, create nothing
        log.info("inbound SMS %s: a bare reply, no alert", message.id)
        return Handled("not_an_alert", bare_reply_text(text, context.member.locale))
    title = text if len(text) <= 60 else text[:57].rstrip() + "…"
    alert, created = await service.post_alert(  # enqueues the fan-out and publishes after its commit
        context.app.state, member.user_id, member.community_id,
        AlertIn(category="other", title=title if len(title) >= 3 else f"SMS : {title}", body=text[:2000]),
        idempotency_key=f"sms:{message.id}"[:100], source="sms")
    if not created:
        return Handled("duplicate", fields={"alert_id": alert.id})
    return Handled("alert_created", sent_text(member.community_name, member.locale), {"alert_id": alert.id})


SMS_COMMANDS = [
    SmsCommand("help", _help, frozenset(HELP_WORDS), COMMAND + 1),
    SmsCommand("alert", _alert, priority=FALLBACK),
]
