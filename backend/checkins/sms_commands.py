"""The check-ins' commands for the inbound-SMS dispatcher (backend/delivery/inbound.py): OUI / NON
answer the consent SMS of a check-in a referent set up for the member; « OK » records the
check-in of a member whose check-in is running. Neither answers when nothing waits for it: the
SMS then goes on to the next command (in the end, an alert)."""

from __future__ import annotations

from backend.checkins.actions import checkin_by_sms, is_ok_reply
from backend.checkins.management import CONFIRM_WORDS, REFUSE_WORDS, answer_by_sms
from backend.delivery.inbound import ANSWER, REPLY, Handled, SmsCommand, SmsContext


async def _consent_answer(context: SmsContext) -> Handled | None:
    reply = await answer_by_sms(context.queues, context.member.user_id, context.word, context.member.locale)
    return None if reply is None else Handled("checkin_answer", reply)


async def _ok(context: SmsContext) -> Handled | None:
    if not is_ok_reply(context.message.text):
        return None
    confirmation = await checkin_by_sms(context.queues, context.member.user_id, context.member.locale)
    return None if confirmation is None else Handled("checked_in", confirmation)


SMS_COMMANDS = [
    SmsCommand("checkin_consent", _consent_answer, frozenset(CONFIRM_WORDS | REFUSE_WORDS), ANSWER + 10),
    SmsCommand("checkin_ok", _ok, priority=REPLY),
]
