"""Message jobs: the e-mail digest of unread messages, at most one per member every 15 minutes.

Pushes of new messages go through the delivery fan-out (kinds declared in domain.py). The
digest is a periodic job: for each member who chose `email_messages` and has unread messages
older than DIGEST_DELAY that no digest has covered yet, and whose last digest is at least
DIGEST_EVERY old, it claims the member's mail state (a conditional UPDATE, so two workers
never make two digests) and writes a `message_digest` outbox row, delivered as one e-mail.
A member in their quiet hours gets it when they end.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from backend.db import on_commit, write_transaction
from backend.delivery import service as delivery
from backend.lib import clock
from backend.lib.queues import Queues
from backend.lib.sql import bulk_insert
from backend.messages.notify import DIGEST_KIND, hears_sql
from backend.messages.tables import MailState, MessageDigest

DIGEST_EVERY = timedelta(minutes=15)
DIGEST_DELAY = timedelta(minutes=5)  # a message read within 5 minutes (after its push, say) is never mailed
DIGEST_INTERVAL = 60.0  # seconds between two looks

_CANDIDATES = (
    'SELECT p."user" AS user_id, MAX(m.id) AS up_to, st.last_message_id, pr.quiet_start, pr.quiet_end '
    + hears_sql('JOIN delivery_preferences pr ON pr."user" = p."user" AND pr.email_messages = {} '
                'JOIN users u ON u.id = p."user" AND u.is_suspended = {} '
                'LEFT JOIN message_mail_state st ON st."user" = p."user" ')
    + "AND m.id > p.last_read AND m.created_at <= {} AND m.id > COALESCE(st.last_message_id, 0) "
    "AND (st.last_sent_at IS NULL OR st.last_sent_at <= {}) "
    'GROUP BY p."user", st.last_message_id, pr.quiet_start, pr.quiet_end'
)


async def make_digests(now: Any = None, *, queues: Queues | None = None) -> list[int]:
    """Write the digests that are due (and their outbox rows); return their ids. With `queues`,
    each digest goes to the fan-out queue once its transaction commits."""
    now = now or clock.now()
    cutoff = now - DIGEST_EVERY
    due = [c for c in await MailState.raw(_CANDIDATES, True, False, now - DIGEST_DELAY, cutoff)
           if not delivery.in_quiet_hours(c["quiet_start"], c["quiet_end"], now)]
    if not due:
        return []
    await bulk_insert(MailState, ["user", "last_message_id"], [(c["user_id"], 0) for c in due])
    made = []
    for c in due:
        async with write_transaction():
            claimed = await MailState.raw(
                'UPDATE message_mail_state SET last_message_id = {}, last_sent_at = {} WHERE "user" = {} '
                "AND last_message_id < {} AND (last_sent_at IS NULL OR last_sent_at <= {}) RETURNING id",
                c["up_to"], now, c["user_id"], c["up_to"], cutoff)
            if not claimed:
                continue  # another worker made it
            rows = await MessageDigest.insert(MessageDigest(
                user=c["user_id"], after_id=c["last_message_id"] or 0, up_to_id=c["up_to"], created_at=now,
            )).returning(MessageDigest.id)
            await delivery.add_outbox(DIGEST_KIND, rows[0]["id"])
            if queues is not None:
                on_commit(partial(delivery.dispatch, queues, DIGEST_KIND, rows[0]["id"]))
            made.append(rows[0]["id"])
    return made


async def send_message_digests(ctx: dict[str, Any]) -> int:
    """Periodic: make the due digests and hand them to the fan-out (the outbox covers a Valkey outage)."""
    return len(await make_digests(queues=ctx["queues"]))
