"""Commune-wide broadcasts: validation, SMS estimate and budget, sending now or later,
edits and cancellation while scheduled, updates and « fin d'alerte », reading."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any, Mapping, Sequence

import msgspec

from backend.audit import service as audit
from backend.db import on_commit, write_transaction
from backend.delivery import service as delivery
from backend.lib import clock
from backend.lib.errors import Conflict, DomainError, NotFound
from backend.lib.text import iso
from backend.mairie.area import (
    areas_of, budget, check_channels, commune_row, count_sms_segments, month_of, parse_when, reach_estimate,
    release_sms, reserve_sms, resolve_area, save_area, sms_message, urgent_plan,
)
from backend.mairie import review
from backend.mairie.live import publish_dashboard
from backend.mairie.notify import BROADCAST_KIND, CATEGORIES, broadcast_notice, channels_of
from backend.mairie.schemas import Author, BroadcastIn, BroadcastOut, BroadcastPatch, FollowupIn, PreviewOut
from backend.mairie.tables import Broadcast, MairieArea
from backend.settings import Settings

SEVERITIES = {"information": "Information", "vigilance": "Vigilance", "urgence": "Urgence"}
CHANNELS = ("push", "email", "sms", "gazette")
DEFAULT_CHANNELS = {
    "information": ("push", "gazette"),
    "vigilance": ("push", "email"),
    "urgence": ("push", "sms", "email"),
}
FOLLOWUP_CHANNELS = ("push", "gazette")
FOLLOWUPS = {"update": "Mise à jour", "end": "Fin d'alerte"}
PREVIEW_ID = 9_999_999  # a long id: the SMS estimated before the real id is known is never shorter


def validate(data: BroadcastIn | dict[str, Any], now: datetime) -> dict[str, Any]:
    """Checked, normalised column values of a broadcast."""
    d = data if isinstance(data, dict) else {f: getattr(data, f) for f in data.__struct_fields__}
    if d["category"] not in CATEGORIES:
        raise DomainError("Catégorie inconnue.", "invalid_category")
    if d["severity"] not in SEVERITIES:
        raise DomainError("Niveau inconnu : information, vigilance ou urgence.", "invalid_severity")
    title, body, link = d["title"].strip(), d["body"].strip(), (d.get("link") or "").strip()
    if not 3 <= len(title) <= 120:
        raise DomainError("Le titre doit faire entre 3 et 120 caractères.", "invalid_title")
    if not 1 <= len(body) <= 2000:
        raise DomainError("Le texte doit faire entre 1 et 2000 caractères.", "invalid_body")
    if link and not (link.startswith(("https://", "http://")) and len(link) <= 500 and " " not in link):
        raise DomainError("Le lien doit être une adresse web complète (https://…).", "invalid_link")
    channels = check_channels(d["channels"] if d.get("channels") is not None else DEFAULT_CHANNELS[d["severity"]],
                              CHANNELS)
    scheduled_at = parse_when(d.get("scheduled_at"), "l'envoi programmé")
    valid_until = parse_when(d.get("valid_until"), "la fin de validité")
    if scheduled_at is not None and scheduled_at <= now:
        raise DomainError("La date d'envoi programmé est déjà passée.", "schedule_in_past")
    if valid_until is not None and valid_until <= (scheduled_at or now):
        raise DomainError("La fin de validité doit suivre l'envoi.", "invalid_validity")
    return dict(category=d["category"], severity=d["severity"], title=title, body=body, link=link,
                channels=",".join(channels), scheduled_at=scheduled_at, valid_until=valid_until)


async def _estimate(settings: Settings, commune: dict[str, Any], values: dict[str, Any], community_ids: Sequence[int],
                    ref_id: int) -> tuple[int, dict[str, int], str, int, int]:
    """(people, per channel, SMS text, segments per SMS, total segments) for these values."""
    plan = urgent_plan(values["channels"].split(","), values["severity"] == "urgence")
    people, per_channel = await reach_estimate(BROADCAST_KIND, community_ids, plan)
    notice = broadcast_notice({**values, "id": ref_id, "parent": None, "followup": values.get("followup", "")},
                              commune["name"])
    segments = count_sms_segments(settings, notice.sms_text, notice.url) if "sms" in plan.channels else 0
    return people, per_channel, sms_message(settings, notice.sms_text, notice.url), segments, \
        per_channel.get("sms", 0) * segments


async def preview(settings: Settings, commune_id: int, data: BroadcastIn) -> PreviewOut:
    """What sending would cost and reach, without writing anything."""
    now = clock.now()
    values = validate(data, now)
    commune = await commune_row(commune_id)
    _, ids = await resolve_area(commune_id, data.community_ids)
    people, per_channel, text, segments, total = await _estimate(settings, commune, values, ids, PREVIEW_ID)
    state = await budget(commune_id, month_of(values["scheduled_at"] or now))
    plan = urgent_plan(values["channels"].split(","), values["severity"] == "urgence")
    reached, not_reached, skipped = await review.misses(BROADCAST_KIND, ids, plan, values["scheduled_at"] or now)
    # The SMS is counted with a long made-up id (never shorter than the real one); the staff read its
    # words and the start of its link, whose number is created on sending.
    link = sms_message(settings, "", f"/#/mairie/{PREVIEW_ID}")
    return PreviewOut(channels=values["channels"].split(","), recipients=people, by_channel=per_channel,
                      sms_text=text.removesuffix(link).strip() if segments else "", sms_segments=segments,
                      sms_total=total, budget=state, within_budget=state.remaining is None or total <= state.remaining,
                      communities=await review.people_per_community(ids), reached=reached, not_reached=not_reached,
                      skipped=skipped, sms_link=link.removesuffix(str(PREVIEW_ID)) if segments else "",
                      sms_price_cents=settings.sms_price_cents, sms_cost_cents=total * settings.sms_price_cents)


async def create(res: Mapping[str, Any], actor_id: int, commune_id: int, data: BroadcastIn,
                 parent: dict[str, Any] | None = None, followup: str = "") -> BroadcastOut:
    """Record a broadcast; sent now (outbox row in the same transaction) or scheduled. One sent now
    is handed to the fan-out queue after the commit, and the staff's dashboard hears of it live.
    `res`: the process's resources (`app.state`: settings, queues, valkey).

    Raises 409 `sms_budget_exceeded` when its SMS would pass the commune's monthly budget.
    """
    settings: Settings = res["settings"]
    now = clock.now()
    values = validate(data, now)
    commune = await commune_row(commune_id)
    whole, ids = await resolve_area(commune_id, data.community_ids)
    scheduled_at = values["scheduled_at"]
    async with write_transaction():
        rows = await Broadcast.insert(Broadcast(
            commune=commune_id, author=actor_id, parent=parent["id"] if parent else None, followup=followup,
            all_communities=whole, status="scheduled" if scheduled_at else "sent", sent_at=None if scheduled_at else now,
            created_at=now, updated_at=now, **values)).returning(Broadcast.id)
        broadcast_id = rows[0]["id"]
        await save_area(BROADCAST_KIND, broadcast_id, ids)
        _, _, _, segments, total = await _estimate(settings, commune, {**values, "followup": followup}, ids,
                                                   broadcast_id)
        await reserve_sms(commune_id, BROADCAST_KIND, broadcast_id, total, scheduled_at or now)
        await Broadcast.update({Broadcast.sms_segments: segments, Broadcast.sms_estimate: total}).where(
            Broadcast.id == broadcast_id)
        if not scheduled_at:
            await delivery.add_outbox(BROADCAST_KIND, broadcast_id)
            on_commit(partial(delivery.dispatch, res["queues"], BROADCAST_KIND, broadcast_id))
            on_commit(partial(publish_dashboard, res, commune_id, "broadcast_reach", broadcast_id=broadcast_id))
        if parent and followup == "end":
            await Broadcast.update({Broadcast.ended_at: now}).where(Broadcast.id == parent["id"])
        action = f"broadcast.{'followup' if parent else 'schedule' if scheduled_at else 'send'}"
        await audit.record(actor_id, action, f"broadcast:{broadcast_id}", {
            "title": values["title"], "severity": values["severity"], "channels": values["channels"],
            "communities": "toutes" if whole else ids, "scheduled_at": iso(scheduled_at), "sms_estimate": total,
            **({"parent": parent["id"], "followup": followup} if parent else {})}, commune_id=commune_id)
    return await staff_view(commune_id, broadcast_id)


async def _load(commune_id: int, broadcast_id: int) -> dict[str, Any]:
    row = await Broadcast.select(Broadcast.all_columns(), Broadcast.commune.name, Broadcast.author.first_name,
                                 Broadcast.author.last_name).where(
        (Broadcast.id == broadcast_id) & (Broadcast.commune == commune_id)).first()
    if row is None:
        raise NotFound("Cette diffusion n'existe pas.", "broadcast_not_found")
    return row


async def _scheduled(commune_id: int, broadcast_id: int) -> dict[str, Any]:
    row = await _load(commune_id, broadcast_id)
    if row["status"] != "scheduled":
        raise Conflict("Cette diffusion est déjà partie (ou annulée) : envoyez plutôt une mise à jour.",
                       "broadcast_not_scheduled")
    return row


async def edit(settings: Settings, actor_id: int, commune_id: int, broadcast_id: int, patch: BroadcastPatch) -> BroadcastOut:
    """Change a scheduled broadcast; the SMS reservation is checked again."""
    row = await _scheduled(commune_id, broadcast_id)
    area = (await areas_of(BROADCAST_KIND, [broadcast_id]))[broadcast_id]
    current: dict[str, Any] = {
        "category": row["category"], "severity": row["severity"], "title": row["title"], "body": row["body"],
        "link": row["link"], "channels": channels_of(row), "valid_until": iso(row["valid_until"]),
        "scheduled_at": iso(row["scheduled_at"]), "community_ids": [] if row["all_communities"] else area,
    }
    changes = {f: getattr(patch, f) for f in patch.__struct_fields__ if getattr(patch, f) is not msgspec.UNSET}
    merged = {**current, **changes}
    now = clock.now()
    values = validate(merged, now)
    if values["scheduled_at"] is None:
        raise DomainError("Une diffusion programmée garde une date d'envoi (annulez-la, ou envoyez-en une maintenant).",
                          "schedule_required")
    whole, ids = await resolve_area(commune_id, merged["community_ids"])
    commune = await commune_row(commune_id)
    async with write_transaction():
        await _scheduled(commune_id, broadcast_id)  # still scheduled under the write lock
        await Broadcast.update({**{getattr(Broadcast, k): v for k, v in values.items()},
                                Broadcast.all_communities: whole, Broadcast.updated_at: now}).where(
            Broadcast.id == broadcast_id)
        await save_area(BROADCAST_KIND, broadcast_id, ids)
        _, _, _, segments, total = await _estimate(settings, commune, values, ids, broadcast_id)
        await reserve_sms(commune_id, BROADCAST_KIND, broadcast_id, total, values["scheduled_at"])
        await Broadcast.update({Broadcast.sms_segments: segments, Broadcast.sms_estimate: total}).where(
            Broadcast.id == broadcast_id)
        await audit.record(actor_id, "broadcast.edit", f"broadcast:{broadcast_id}",
                           {"changed": sorted(changes), "sms_estimate": total}, commune_id=commune_id)
    return await staff_view(commune_id, broadcast_id)


async def cancel(actor_id: int, commune_id: int, broadcast_id: int) -> BroadcastOut:
    """Cancel a scheduled broadcast (its SMS reservation is released)."""
    async with write_transaction():
        row = await _scheduled(commune_id, broadcast_id)
        now = clock.now()
        await Broadcast.update({Broadcast.status: "cancelled", Broadcast.cancelled_at: now,
                                Broadcast.updated_at: now}).where(Broadcast.id == broadcast_id)
        await release_sms(BROADCAST_KIND, broadcast_id)
        await audit.record(actor_id, "broadcast.cancel", f"broadcast:{broadcast_id}", {"title": row["title"]},
                           commune_id=commune_id)
    return await staff_view(commune_id, broadcast_id)


async def followup(res: Mapping[str, Any], actor_id: int, commune_id: int, broadcast_id: int,
                   data: FollowupIn) -> BroadcastOut:
    """« Mise à jour » or « fin d'alerte »: a new broadcast linked to the original, to the same area, now."""
    if data.kind not in FOLLOWUPS:
        raise DomainError("Type de suivi inconnu : update ou end.", "invalid_followup")
    row = await _load(commune_id, broadcast_id)
    root = await _load(commune_id, row["parent"]) if row["parent"] else row
    if root["status"] != "sent":
        raise Conflict("Seule une diffusion déjà envoyée peut recevoir une mise à jour.", "broadcast_not_sent")
    if root["ended_at"] is not None:
        raise Conflict("La fin de cette alerte a déjà été annoncée.", "broadcast_ended")
    area = (await areas_of(BROADCAST_KIND, [root["id"]]))[root["id"]]
    severity = data.severity or (root["severity"] if data.kind == "update" else "information")
    title = data.title.strip() or f"{FOLLOWUPS[data.kind]} : {root['title']}"[:120]
    draft = BroadcastIn(category=root["category"], severity=severity, title=title, body=data.body,
                        community_ids=[] if root["all_communities"] else area,
                        channels=data.channels if data.channels is not None else list(FOLLOWUP_CHANNELS),
                        link=root["link"])
    return await create(res, actor_id, commune_id, draft, parent=root, followup=data.kind)


async def dispatch_due(res: Mapping[str, Any]) -> list[tuple[int, int]]:
    """Send scheduled broadcasts whose time has come; returns (commune, broadcast) of each sent.

    The status change claims the row, so two workers never send the same broadcast twice. Each
    one claimed goes to the fan-out queue, and its reach to the staff's dashboard, once committed
    (`res`: a job's ctx).
    """
    now = clock.now()
    due = await Broadcast.select(Broadcast.id, Broadcast.commune).where(
        (Broadcast.status == "scheduled") & (Broadcast.scheduled_at <= now)).order_by(Broadcast.scheduled_at).limit(100)
    sent = []
    for row in due:
        async with write_transaction():
            claimed = await Broadcast.update({Broadcast.status: "sent", Broadcast.sent_at: now,
                                              Broadcast.updated_at: now}).where(
                (Broadcast.id == row["id"]) & (Broadcast.status == "scheduled")).returning(Broadcast.id)
            if claimed:
                await delivery.add_outbox(BROADCAST_KIND, row["id"])
                on_commit(partial(delivery.dispatch, res["queues"], BROADCAST_KIND, row["id"]))
                on_commit(partial(publish_dashboard, res, row["commune"], "broadcast_reach", broadcast_id=row["id"]))
                sent.append((row["commune"], row["id"]))
    return sent


# Reading ---------------------------------------------------------------------------------

def to_out(row: dict[str, Any], area: list[int], staff: bool = False,
           counts: dict[str, Any] | None = None) -> BroadcastOut:
    out = BroadcastOut(
        id=row["id"], commune_id=row["commune"], commune_name=row["commune.name"], category=row["category"],
        category_label=CATEGORIES.get(row["category"], row["category"]), severity=row["severity"],
        severity_label=SEVERITIES.get(row["severity"], row["severity"]), title=row["title"], body=row["body"],
        link=row["link"], valid_until=iso(row["valid_until"]), channels=channels_of(row),
        all_communities=row["all_communities"], community_ids=area, status=row["status"],
        scheduled_at=iso(row["scheduled_at"]), sent_at=iso(row["sent_at"]), ended_at=iso(row["ended_at"]),
        cancelled_at=iso(row["cancelled_at"]), parent_id=row["parent"], followup=row["followup"],
        created_at=row["created_at"].isoformat(),
    )
    if staff:
        out.author = Author(id=row["author"], name=f"{row['author.first_name']} {row['author.last_name']}".strip())
        out.sms_estimate = row["sms_estimate"]
        out.delivery = counts
    return out


_COLUMNS = (Broadcast.all_columns(), Broadcast.commune.name, Broadcast.author.first_name, Broadcast.author.last_name)


async def staff_view(commune_id: int, broadcast_id: int) -> BroadcastOut:
    row = await _load(commune_id, broadcast_id)
    area = (await areas_of(BROADCAST_KIND, [broadcast_id]))[broadcast_id]
    counts = (await delivery.counts(BROADCAST_KIND, [broadcast_id]))[broadcast_id]
    return to_out(row, area, staff=True, counts=counts)


async def list_for_staff(commune_id: int, status: str | None, before: int | None, limit: int) -> list[BroadcastOut]:
    """Newest first, with per-channel delivery counts."""
    if status and status not in ("scheduled", "sent", "cancelled"):
        raise DomainError("État inconnu : scheduled, sent ou cancelled.", "invalid_status")
    query = Broadcast.select(*_COLUMNS).where(Broadcast.commune == commune_id).order_by(
        Broadcast.id, ascending=False).limit(max(1, min(limit, 200)))
    if status:
        query = query.where(Broadcast.status == status)
    if before:
        query = query.where(Broadcast.id < before)
    rows = await query
    ids = [r["id"] for r in rows]
    areas = await areas_of(BROADCAST_KIND, ids)
    counts = await delivery.counts(BROADCAST_KIND, ids)
    return [to_out(r, areas[r["id"]], staff=True, counts=counts[r["id"]]) for r in rows]


async def public_view(broadcast_id: int) -> BroadcastOut:
    """A sent broadcast as anyone may read it (it is public, like the CAP feed)."""
    row = await Broadcast.select(*_COLUMNS).where((Broadcast.id == broadcast_id) & (Broadcast.status == "sent")).first()
    if row is None:
        raise NotFound("Cette annonce de la mairie n'existe pas.", "broadcast_not_found")
    return to_out(row, (await areas_of(BROADCAST_KIND, [broadcast_id]))[broadcast_id])


async def sent_in_commune(commune_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """Sent broadcasts of a commune, newest first, as rows (feeds)."""
    return await Broadcast.select(*_COLUMNS).where(
        (Broadcast.commune == commune_id) & (Broadcast.status == "sent")).order_by(
        Broadcast.sent_at, ascending=False).limit(limit)


async def for_community(community_id: int, active_only: bool = False, gazette_only: bool = False,
                        limit: int = 50) -> list[BroadcastOut]:
    """Sent broadcasts addressed to a community, newest first; `active_only` drops ended or
    expired ones, `gazette_only` keeps those sent with the Gazette channel."""
    refs = await MairieArea.select(MairieArea.ref_id).where(
        (MairieArea.ref_kind == BROADCAST_KIND) & (MairieArea.community == community_id))
    ids = [r["ref_id"] for r in refs]
    if not ids:
        return []
    query = Broadcast.select(*_COLUMNS).where(Broadcast.id.is_in(ids) & (Broadcast.status == "sent")).order_by(
        Broadcast.sent_at, ascending=False).limit(max(1, min(limit, 200)))
    rows = await query
    now = clock.now()
    if active_only:
        rows = [r for r in rows if r["ended_at"] is None and (r["valid_until"] is None or r["valid_until"] > now)
                and not r["parent"]]
    if gazette_only:
        rows = [r for r in rows if "gazette" in channels_of(r)]
    areas = await areas_of(BROADCAST_KIND, [r["id"] for r in rows])
    return [to_out(r, areas[r["id"]]) for r in rows]


async def gazette_broadcasts(community_id: int) -> list[BroadcastOut]:
    """For La Gazette: broadcasts sent with the Gazette channel to this community, still valid
    (pinned until `valid_until` or their « fin d'alerte »)."""
    return await for_community(community_id, active_only=True, gazette_only=True)
