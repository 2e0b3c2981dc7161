"""What broadcasts and safety checks share: the area (communities) they address, channel
lists, dates, and the commune's monthly SMS budget."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, Mapping, Sequence

from backend.communities.tables import Commune, Community
from backend.db import write_transaction
from backend.delivery.service import LOCAL_TZ, DeliveryState, FanoutPlan, Recipient, community_recipients, plan_rows
from backend.delivery.channels.sms import fit_sms, sms_segments
from backend.lib import clock
from backend.lib.errors import Conflict, DomainError, NotFound
from backend.lib.french import month_in_words
from backend.lib.sql import bulk_insert, select_in
from backend.mairie.schemas import BudgetOut
from backend.mairie.tables import MairieArea, SmsSpend
from backend.settings import Settings


async def commune_row(commune_id: int) -> dict[str, Any]:
    row = await Commune.select(Commune.id, Commune.name, Commune.insee_code, Commune.police_email,
                               Commune.sms_budget_monthly).where(Commune.id == commune_id).first()
    if row is None:
        raise NotFound("Cette commune n'existe pas.", "commune_not_found")
    return row


async def resolve_area(commune_id: int, community_ids: Sequence[int]) -> tuple[bool, list[int]]:
    """(whole commune?, community ids): no ids means every community of the commune."""
    rows = await Community.select(Community.id).where(Community.commune == commune_id)
    known = {r["id"] for r in rows}
    if not known:
        raise Conflict("Cette commune n'a encore aucun quartier.", "no_communities")
    wanted = set(community_ids) or known
    if wanted - known:
        raise DomainError("Certains quartiers choisis ne font pas partie de la commune.", "invalid_communities")
    return wanted == known, sorted(wanted)


async def save_area(kind: str, ref_id: int, community_ids: Sequence[int]) -> None:
    await MairieArea.delete().where((MairieArea.ref_kind == kind) & (MairieArea.ref_id == ref_id))
    await bulk_insert(MairieArea, ["ref_kind", "ref_id", "community"], [(kind, ref_id, c) for c in community_ids],
                      ignore_conflicts=False)


async def areas_of(kind: str, ref_ids: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    rows = await select_in(MairieArea, "SELECT ref_id, community FROM mairie_areas WHERE ref_kind = {} AND ref_id",
                           ref_ids, kind)
    for r in sorted(rows, key=lambda r: r["community"]):
        out[r["ref_id"]].append(r["community"])
    return out


def check_channels(channels: Sequence[str], allowed: Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(channels))
    if not chosen:
        raise DomainError("Choisissez au moins un canal de diffusion.", "no_channel")
    if set(chosen) - set(allowed):
        raise DomainError(f"Canal inconnu : choisissez parmi {', '.join(allowed)}.", "invalid_channel")
    return chosen


def parse_when(value: str | None, label: str) -> datetime | None:
    """An ISO 8601 date-time; without an offset it is Paris time."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise DomainError(f"Date invalide pour {label} (format ISO 8601, ex. 2026-12-01T08:00:00+01:00).",
                          "invalid_date") from None
    return when if when.tzinfo else when.replace(tzinfo=LOCAL_TZ)


def sms_message(settings: Settings, sms_text: str, url: str) -> str:
    """The SMS exactly as the delivery machinery sends it (text fitted to two segments + link)."""
    link = settings.base_url + "/" + url.lstrip("/")
    return f"{fit_sms(sms_text, link)} {link}".strip()


def count_sms_segments(settings: Settings, sms_text: str, url: str) -> int:
    return sms_segments(sms_message(settings, sms_text, url))


async def reach_estimate(kind: str, community_ids: Sequence[int], plan: FanoutPlan) -> tuple[int, dict[str, int]]:
    """(people, people per channel) the plan would reach now; quiet hours are ignored (an upper bound)."""
    recipients = await community_recipients(community_ids, None)
    return len(recipients), queued_per_channel(kind, recipients, FanoutPlan(plan.channels, True, plan.follow_channels))


def queued_per_channel(kind: str, recipients: Sequence[Recipient], plan: FanoutPlan) -> dict[str, int]:
    counts = {c: 0 for c in plan.channels}
    for row in plan_rows(kind, 0, recipients, plan, clock.now()):
        if row.state == DeliveryState.QUEUED:
            counts[row.channel] += 1
    return counts


# SMS budget ------------------------------------------------------------------------------

def month_of(when: datetime) -> str:
    return when.astimezone(LOCAL_TZ).strftime("%Y-%m")


async def budget(commune_id: int, month: str | None = None) -> BudgetOut:
    """The commune's SMS budget for `month` (default: this month) and what is used or reserved."""
    commune = await commune_row(commune_id)
    month = month or month_of(clock.now())
    rows = await SmsSpend.raw("SELECT COALESCE(SUM(segments), 0) AS used FROM mairie_sms_spend "
                              "WHERE commune = {} AND month = {}", commune_id, month)
    used = int(rows[0]["used"] or 0)
    limit = int(commune["sms_budget_monthly"] or 0)
    return BudgetOut(commune_id=commune_id, month=month, monthly_budget=limit, used=used,
                     remaining=None if limit == 0 else max(limit - used, 0))


async def set_budget(commune_id: int, monthly_budget: int) -> BudgetOut:
    if not 0 <= monthly_budget <= 10_000_000:
        raise DomainError("Le budget SMS mensuel doit être un nombre de segments entre 0 (illimité) et 10 000 000.",
                          "invalid_budget")
    await commune_row(commune_id)
    await Commune.update({Commune.sms_budget_monthly: monthly_budget}).where(Commune.id == commune_id)
    return await budget(commune_id)


async def reserve_sms(commune_id: int, kind: str, ref_id: int, segments: int, when: datetime) -> None:
    """Check the budget of `when`'s month and reserve `segments` (call inside the write transaction)."""
    await SmsSpend.delete().where((SmsSpend.ref_kind == kind) & (SmsSpend.ref_id == ref_id))
    if segments <= 0:
        return
    month = month_of(when)
    state = await budget(commune_id, month)
    if state.remaining is not None and segments > state.remaining:
        raise Conflict(
            f"Budget SMS dépassé : cet envoi demande {segments} SMS, il en reste {state.remaining} sur "
            f"{state.monthly_budget} pour {month_in_words(month)}. Retirez le canal SMS, réduisez la zone ou demandez à "
            "l'administrateur d'augmenter le budget.", "sms_budget_exceeded")
    await SmsSpend.insert(SmsSpend(commune=commune_id, ref_kind=kind, ref_id=ref_id, month=month, segments=segments,
                                   reserved=True, created_at=clock.now()))


async def release_sms(kind: str, ref_id: int) -> None:
    await SmsSpend.delete().where((SmsSpend.ref_kind == kind) & (SmsSpend.ref_id == ref_id))


async def spend_sms(commune_id: int, kind: str, ref_id: int, queued: Mapping[str, int], plan: FanoutPlan,
                    segments: int) -> int:
    """After the fan-out: replace the reservation by the segments actually queued (idempotent);
    `queued`: the fan-out's queued rows per channel."""
    if "sms" not in plan.channels:
        return 0
    used = queued.get("sms", 0) * segments
    async with write_transaction():
        row = await SmsSpend.select(SmsSpend.reserved).where(
            (SmsSpend.ref_kind == kind) & (SmsSpend.ref_id == ref_id)).first()
        if row is not None and not row["reserved"]:
            return used  # already counted by an earlier run of the same fan-out
        await release_sms(kind, ref_id)
        await SmsSpend.insert(SmsSpend(commune=commune_id, ref_kind=kind, ref_id=ref_id, month=month_of(clock.now()),
                                       segments=used, reserved=False, created_at=clock.now()))
    return used


async def allow_fallback_sms(commune_id: int, kind: str, ref_id: int, count: int, segments: int) -> int:
    """« SMS de secours » of (kind, ref) (delivery/receipts.py): how many of `count` fit in the commune's
    budget of this month; those are added to the send's spend. Called inside the receipt check's transaction."""
    segments = max(1, segments)
    state = await budget(commune_id)
    allowed = count if state.remaining is None else min(count, state.remaining // segments)
    if allowed <= 0:
        return 0
    added = await SmsSpend.raw("UPDATE mairie_sms_spend SET segments = segments + {} WHERE ref_kind = {} AND ref_id = {} "
                               "RETURNING id", allowed * segments, kind, ref_id)
    if not added:
        await SmsSpend.insert(SmsSpend(commune=commune_id, ref_kind=kind, ref_id=ref_id, month=month_of(clock.now()),
                                       segments=allowed * segments, reserved=False, created_at=clock.now()))
    return allowed


async def count_sms(commune_id: int, kind: str, ref_id: int, segments: int) -> None:
    """SMS sent on the commune's behalf outside a broadcast (the register's texts to the contacts of a
    person who did not answer): added to this month's spend, once per (kind, ref). They are never held
    back by the budget — someone may be in danger — but they count, and show on the dashboard."""
    if segments <= 0:
        return
    await SmsSpend.raw("INSERT INTO mairie_sms_spend (commune, ref_kind, ref_id, month, segments, reserved, created_at) "
                       "VALUES ({}, {}, {}, {}, {}, {}, {}) ON CONFLICT DO NOTHING",
                       commune_id, kind, ref_id, month_of(clock.now()), segments, False, clock.now())


def urgent_plan(channels: Sequence[str], urgent: bool) -> FanoutPlan:
    """Urgent sends break quiet hours and force every chosen channel; others respect both."""
    return FanoutPlan(channels=tuple(c for c in channels if c in ("push", "email", "sms")), urgent=urgent,
                      follow_channels=not urgent)
