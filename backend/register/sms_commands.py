"""The register's commands for the inbound-SMS dispatcher (backend/delivery/inbound.py).

- OUI / NON answer the confirmation SMS of a registration a relative made (after a mairie safety
  check's OUI and before a check-in's consent: each answers only when its question is open).
- « OK » answers today's « Tout va bien ? » of an open episode. It comes just before the check-ins'
  OK: when the person has both, one « OK » answers both (the check-in's OK is recorded too); with
  no episode question open it passes on to the check-ins' OK, then to an alert.
"""

from __future__ import annotations

from backend.checkins.actions import checkin_by_sms, is_ok_reply
from backend.delivery.inbound import ANSWER, REPLY, Handled, SmsCommand, SmsContext
from backend.register.answers import ok_by_sms
from backend.register.confirmation import CONFIRM_WORDS, answer_by_sms


async def _confirm(context: SmsContext) -> Handled | None:
    reply = await answer_by_sms(context.member.user_id, context.word, context.member.locale)
    return None if reply is None else Handled("register_answer", reply)


async def _ok(context: SmsContext) -> Handled | None:
    if not is_ok_reply(context.message.text):
        return None
    reply = await ok_by_sms(context.app.state, context.member.user_id, context.member.locale)
    if reply is None:
        return None
    await checkin_by_sms(context.queues, context.member.user_id, context.member.locale)  # one OK says both
    return Handled("register_ok", reply)


SMS_COMMANDS = [
    SmsCommand("register_confirm", _confirm, frozenset(CONFIRM_WORDS), ANSWER + 5),
    SmsCommand("register_ok", _ok, priority=REPLY - 1),
]
