"""The mairie's command for the inbound-SMS dispatcher (backend/delivery/inbound.py): while a
safety check is open for the member, OUI = all is well, AIDE = I need help. With no open check
the SMS goes on to the next command (AIDE: the help text)."""

from __future__ import annotations

from backend.delivery.inbound import ANSWER, Handled, SmsCommand, SmsContext
from backend.mairie.safety import SMS_ANSWERS, sms_answer


async def _safety_answer(context: SmsContext) -> Handled | None:
    reply = await sms_answer(context.app, context.member.user_id, context.word, context.member.locale)
    return None if reply is None else Handled("safety_answer", reply)


SMS_COMMANDS = [SmsCommand("safety_answer", _safety_answer, frozenset(SMS_ANSWERS), ANSWER)]
