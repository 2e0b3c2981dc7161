"""Delivery jobs (SAQ entry points): fan-out, one send job per ~100 recipients per channel.

Only the entry points are here (registered with their queues in domain.py, with upkeep.py's
periodic jobs): what a send does is in sends.py (per channel) and batches.py (claim,
outcomes, retries); the channels themselves in channels/.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from backend.delivery import fanout as fanout_rows
from backend.delivery import outbox, sends
from backend.delivery.batches import handing_back, push_first
from backend.delivery.channels import email as email_adapter
from backend.delivery.channels.email import OutgoingMail
from backend.delivery.kinds import KINDS, TASKS

log = logging.getLogger(__name__)


async def send_transactional_email(ctx: dict[str, Any], *, to: str, subject: str, text: str, html: str = "") -> int:
    """One account mail (password reset…); retried by SAQ on SMTP errors."""
    await email_adapter.send_email(ctx["settings"], [OutgoingMail(to=to, subject=subject, text=text, html=html)])
    return 1


# Fan-out --------------------------------------------------------------------------------------

async def fanout(ctx: dict[str, Any], *, kind: str, ref_id: int) -> int:
    """Resolve the audience of (kind, ref), write delivery rows, enqueue the send jobs."""
    if kind in TASKS:
        await TASKS[kind](ctx, ref_id)
        await outbox.complete_outbox(kind, ref_id)
        return 0
    handler = KINDS.get(kind)
    if handler is None:
        # A kind nobody registered is a wiring bug (a domain missing from backend/domains.py):
        # the row is kept, so its notices go out once the domain is wired and the outbox re-dispatched.
        log.error("fan-out of %s %s: no handler registered for kind %r, outbox row kept", kind, ref_id, kind)
        return 0
    audience = await handler.audience(ref_id)
    jobs = 0
    if audience is not None:
        recipients, plan = audience
        # One wait for pushes for the whole fan-out: its e-mail rows and its e-mail jobs together
        # wait until one deadline, from now (each waiting a limit of its own cost a 50,000-person
        # broadcast ~10 s of e-mails, bench/scale.py), as long as its pushes take at push_first's pace.
        started, gate = time.time(), push_first()

        async def after_pushes(pushes: int) -> float:
            until = started + gate.hold_seconds(pushes)
            await gate.wait(ctx, until=until)
            return until

        fanned = await fanout_rows.fan_out(ctx["queues"], kind, ref_id, recipients, plan,
                                           slice_size=ctx["settings"].fanout_slice, after_pushes=after_pushes)
        jobs = fanned.jobs
        phones = getattr(handler, "phones", None)  # optional: SMS to people without an account
        if phones is not None:
            jobs += await fanout_rows.fan_out_phones(ctx["queues"], kind, ref_id, await phones(ref_id))
        settle = getattr(handler, "settle", None)
        if settle is not None:
            await settle(ref_id, plan, fanned.queued)
    await outbox.complete_outbox(kind, ref_id)
    return jobs


# Sends ----------------------------------------------------------------------------------------

async def send_push(ctx: dict[str, Any], *, delivery_ids: list[int]) -> int:
    """Send one Web Push per device of each claimed delivery; record sent/failed/retry per delivery."""
    async with push_first().pushing(ctx), handing_back(ctx, "push", delivery_ids):
        return await sends.send_push_batch(ctx, delivery_ids)


async def send_email(ctx: dict[str, Any], *, delivery_ids: list[int], hold_until: float | None = None) -> int:
    """Render each notice once, personalise by substitution, send over a few reused connections.
    `hold_until`: the latest Unix time to wait for pushes (set by the fan-out, see push_first)."""
    async with handing_back(ctx, "email", delivery_ids):
        return await sends.send_email_batch(ctx, delivery_ids, hold_until)


async def send_sms(ctx: dict[str, Any], *, delivery_ids: list[int]) -> int:
    """Text the claimed recipients, within the provider's rate limit."""
    async with handing_back(ctx, "sms", delivery_ids):
        return await sends.send_sms_batch(ctx, delivery_ids)


async def send_test_push(ctx: dict[str, Any], *, subscription_id: int) -> str:
    """"Send me a test notification" for one device (no delivery row: nothing to account for)."""
    return await sends.test_push(ctx, subscription_id)


async def send_sms_reply(ctx: dict[str, Any], *, ref: str, to: str, text: str) -> str:
    """A receipt or help text in answer to an inbound SMS (no delivery row)."""
    return await sends.sms_reply(ctx, ref, to, text)

