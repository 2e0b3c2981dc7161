"""The review before a broadcast goes: the neighbourhoods it addresses with their people, who it
will miss and why (counted, no names), and what its SMS cost in euros. Read-only, and a fixed
number of queries whatever the size of the commune (one for the counts, one for the recipients)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Sequence

from backend.communities.tables import Community
from backend.delivery.service import DeliveryState, FanoutPlan, community_recipients, plan_rows
from backend.lib.sql import placeholders
from backend.mairie.schemas import AreaCount

# The delivery machinery's reasons for skipping a channel (delivery/fanout.py plan_rows), as codes.
SKIP_REASONS = {
    "désactivé dans les réglages": "channel_off",
    "aucun appareil abonné": "no_device",
    "pas d'adresse e-mail": "no_email",
    "pas de numéro de téléphone": "no_phone",
    "numéro fixe : pas de SMS": "no_phone",  # no number SMS can reach: counted with « no number »
    "heures calmes": "quiet_hours",
}
# Why a person gets nothing at all, by what would change it first: the send falls in their quiet
# hours; push is their channel but no device is subscribed; no number or no address; they turned off
# every channel the broadcast uses (SMS is also off for a landline: it is on only for a mobile).
NOT_REACHED = ("quiet_hours", "no_device", "no_phone", "no_email", "channels_off", "other")


async def people_per_community(community_ids: Sequence[int]) -> list[AreaCount]:
    """The communities with their active, not suspended members: one query."""
    rows = await Community.raw(
        'SELECT c.id AS id, c.name AS name, COUNT(DISTINCT u.id) AS people FROM communities c '
        "LEFT JOIN memberships m ON m.community = c.id AND m.status = 'active' "
        'LEFT JOIN users u ON u.id = m."user" AND u.is_suspended = {} '
        f"WHERE c.id IN ({placeholders(len(community_ids))}) GROUP BY c.id, c.name ORDER BY c.name",
        False, *community_ids)
    return [AreaCount(community_id=r["id"], name=r["name"], people=int(r["people"] or 0)) for r in rows]


def _why(codes: list[str]) -> str:
    """The one reason a person reached on no channel is counted under."""
    for code in ("quiet_hours", "no_device", "no_phone", "no_email"):
        if code in codes:
            return code
    return "channels_off" if codes and all(c == "channel_off" for c in codes) else "other"


async def misses(kind: str, community_ids: Sequence[int], plan: FanoutPlan,
                 at: datetime) -> tuple[int, dict[str, int], dict[str, dict[str, int]]]:
    """(people reached on some channel, people reached on none by reason, channel -> reason -> people it
    misses) if the fan-out ran at `at` with this plan (quiet hours counted, as the fan-out counts them)."""
    recipients = await community_recipients(community_ids, None)
    reached: set[int] = set()
    codes: dict[int, list[str]] = defaultdict(list)
    skipped: dict[str, Counter[str]] = {channel: Counter() for channel in plan.channels}
    for row in plan_rows(kind, 0, recipients, plan, at):
        if row.state == DeliveryState.QUEUED:
            reached.add(row.user)
        else:
            code = SKIP_REASONS.get(row.reason, "other")
            codes[row.user].append(code)
            skipped[row.channel][code] += 1
    if not plan.channels:  # pinned in the Gazette only: no notification is planned, nobody is « missed »
        return 0, {}, {}
    not_reached = Counter(_why(c) for user, c in codes.items() if user not in reached)
    return (len(reached), {r: not_reached[r] for r in NOT_REACHED if not_reached[r]},
            {channel: dict(counts) for channel, counts in skipped.items() if counts})
