"""What each kind of notification says and to whom: domains register a handler per kind.

The delivery machinery (fan-out, send jobs) is the same for alerts, follow-ups, messages,
check-ins and mairie broadcasts; only recipients and wording differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Protocol

from backend.delivery.fanout import Audience, FanoutPlan
from backend.settings import Settings


@dataclass(frozen=True)
class Notice:
    """The content of one notification (the same for every recipient, but for placeholders)."""

    title: str
    body: str
    url: str  # path inside the PWA, e.g. /#/alertes/12
    tag: str
    event: str  # alert | alert_followup | …
    ref_id: int
    urgent: bool = False
    community: str = ""
    ttl: int = 24 * 3600
    urgency: str = "normal"  # RFC 8030: very-low | low | normal | high
    email_subject: str = ""
    email_text: str = ""  # string.Template: $first_name, $unsubscribe_url, $link
    email_html: str = ""
    sms_text: str = ""


class KindHandler(Protocol):
    async def audience(self, ref_id: int) -> tuple[Audience, FanoutPlan] | None:
        """Recipients (a list, or `Members` of communities for an audience walked in slices) and
        channel plan, or None when the thing is gone (nothing to send).

        A handler may also define `async def settle(ref_id, plan, queued)`, called once the rows
        of every slice are written, with the rows queued per channel (the SMS budget's spend)."""

    async def notice(self, settings: Settings, ref_id: int, locale: str = "fr") -> Notice | None:
        """What to say in `locale` ("fr" or "en"), or None when the thing is gone."""

    # Optional: `async def phones(self, ref_id) -> list[str]`, E.164 mobiles of people without an
    # account to text too (delivery rows with `phone` and no `user`; French, no link: see sends.py).


KINDS: dict[str, KindHandler] = {}


def register(kind: str, handler: KindHandler) -> None:
    KINDS[kind] = handler


# Outbox kinds that are not a fan-out but a single task (mail to the police, a notice to an
# author…): they go through the same outbox, so they survive a Valkey outage too.
TASKS: dict[str, Callable[[dict[str, Any], int], Awaitable[Any]]] = {}


def register_task(kind: str, task: Callable[[dict[str, Any], int], Awaitable[Any]]) -> None:
    TASKS[kind] = task
