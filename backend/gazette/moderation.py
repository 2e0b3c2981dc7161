"""Keeping the Gazette tidy: referents pin, unpin and remove in their community; members report
posts to the moderators, who dismiss the reports or remove the post. Every step goes to the
platform's audit log (`backend.audit`), in the same transaction as the step itself."""

from __future__ import annotations

from functools import partial
from typing import Any, Mapping

from backend.auth.principal import Principal
from backend.db import on_commit, write_transaction
from backend.gazette.access import (
    COLUMNS, audit_post, can_moderate_locally, is_unique_violation, permissions, person, visible,
)
from backend.gazette.live import publish_post_event
from backend.gazette.schemas import PostOut, ReportAck, ReportedPost, ReportOut
from backend.gazette.tables import GazettePost, GazetteReport
from backend.gazette.views import post_out, shape
from backend.lib import clock
from backend.lib.french import de
from backend.lib.errors import Conflict, DomainError, Forbidden
from backend.lib.text import iso

REPORT_STATES = ("open", "dismissed", "actioned")


def _reason(reason: str, message: str = "Indiquez la raison (3 à 500 caractères).") -> str:
    reason = reason.strip()
    if not 3 <= len(reason) <= 500:
        raise DomainError(message, "reason_required")
    return reason


async def set_pinned(principal: Principal, post_id: int, pinned: bool, *,
                     res: Mapping[str, Any] | None = None) -> tuple[PostOut, dict[str, Any]]:
    """A referent pins a post of their community at the top of its Gazette, or unpins it.
    With `res` (`app.state`), the live streams hear of it once committed."""
    row = await visible(principal, post_id, published=True)
    if row["kind"] == "mairie":
        raise Conflict("Une communication de la mairie reste épinglée jusqu'à sa date de fin.", "mairie_pinned")
    if not can_moderate_locally(principal, row):
        raise Forbidden("Seuls les référents du quartier épinglent les publications.", "not_referent")
    async with write_transaction():
        await GazettePost.update({GazettePost.pinned_at: clock.now() if pinned else None,
                                  GazettePost.pinned_by: principal.user_id if pinned else None}).where(
            GazettePost.id == post_id)
        await audit_post(principal.user_id, "pin" if pinned else "unpin", row)
        if res is not None:
            on_commit(partial(publish_post_event, res, "gazette.post_updated", row, pinned=pinned))
    return await post_out(principal, post_id), row


async def _remove(actor: int, row: dict[str, Any], reason: str) -> None:
    """Inside a transaction: the post leaves every list, its open reports are closed."""
    now, post_id = clock.now(), row["id"]
    await GazettePost.update({GazettePost.status: "removed", GazettePost.removed_reason: reason,
                              GazettePost.removed_at: now, GazettePost.pinned_at: None}).where(GazettePost.id == post_id)
    await GazetteReport.update({GazetteReport.status: "actioned", GazetteReport.handled_at: now,
                                GazetteReport.handled_by: actor}).where(
        (GazetteReport.post == post_id) & (GazetteReport.status == "open"))
    await audit_post(actor, "remove", row, reason)


async def remove_post(principal: Principal, post_id: int, reason: str, *,
                      res: Mapping[str, Any] | None = None) -> tuple[PostOut, dict[str, Any]]:
    """A referent (their community, not mairie communications) or a moderator removes a post, with a reason.
    With `res` (`app.state`), the live streams hear of it once committed."""
    row = await visible(principal, post_id, published=True)
    if not permissions(principal, row).remove:
        raise Forbidden("Seuls les référents du quartier et la modération retirent une publication.", "cannot_remove")
    reason = _reason(reason, "Indiquez la raison du retrait (3 à 500 caractères) : l'auteur la verra.")
    async with write_transaction():
        await _remove(principal.user_id, row, reason)
        if res is not None:
            on_commit(partial(publish_post_event, res, "gazette.post_removed", row))
    return await post_out(principal, post_id), row


async def report_post(principal: Principal, post_id: int, reason: str) -> tuple[ReportAck, bool]:
    """A member reports a post to the moderators; reporting twice changes nothing. (ack, created)"""
    row = await visible(principal, post_id, published=True)
    if not permissions(principal, row).report:
        raise Forbidden("Seuls les membres du quartier signalent une publication (pas la leur).", "cannot_report")
    reason = _reason(reason, "Dites aux modérateurs ce qui ne va pas (3 à 500 caractères).")
    if await GazetteReport.exists().where((GazetteReport.post == post_id) & (GazetteReport.reporter == principal.user_id)):
        return ReportAck(post_id=post_id, reported=True), False
    try:
        await GazetteReport.insert(GazetteReport(post=post_id, reporter=principal.user_id, reason=reason))
    except Exception as exc:  # the same person twice at once: the unique index lets one through
        if not is_unique_violation(exc):
            raise
        return ReportAck(post_id=post_id, reported=True), False
    return ReportAck(post_id=post_id, reported=True), True


async def report_queue(principal: Principal, state: str = "open") -> list[ReportedPost]:
    """Reported posts with their reports (`state`: open, dismissed or actioned), latest report first."""
    if state not in REPORT_STATES:
        raise DomainError("État inconnu (open, dismissed ou actioned).", "invalid_state")
    reports = await GazetteReport.select(
        GazetteReport.all_columns(), GazetteReport.reporter.first_name, GazetteReport.reporter.last_name,
    ).where(GazetteReport.status == state).order_by(GazetteReport.id, ascending=False).limit(1000)
    by_post: dict[int, list[ReportOut]] = {}
    for r in reports:
        by_post.setdefault(r["post"], []).append(ReportOut(
            id=r["id"], reason=r["reason"], created_at=iso(r["created_at"]) or "", status=r["status"],
            reporter=person(r["reporter"], r["reporter.first_name"], r["reporter.last_name"])))
    order = list(by_post)[:100]
    if not order:
        return []
    rows = await GazettePost.select(*COLUMNS, GazettePost.community.name).where(GazettePost.id.is_in(order))
    names = {r["id"]: r["community.name"] or f"toute la commune {de(r['commune.name'], proper=True)}" for r in rows}
    shaped = {p.id: p for p in await shape(principal, rows)}
    return [ReportedPost(post=shaped[i], community_name=names[i], open_reports=len(by_post[i]) if state == "open" else 0,
                         reports=by_post[i]) for i in order if i in shaped]


async def decide(principal: Principal, post_id: int, action: str, reason: str, *,
                 res: Mapping[str, Any] | None = None) -> tuple[PostOut, dict[str, Any]]:
    """A moderator closes a post's open reports: `dismiss` (the post stays) or `remove` it.
    With `res` (`app.state`), the live streams hear of it once committed."""
    if action not in ("dismiss", "remove"):
        raise DomainError("Action inconnue (dismiss ou remove).", "invalid_action")
    row = await visible(principal, post_id)
    if not await GazetteReport.exists().where((GazetteReport.post == post_id) & (GazetteReport.status == "open")):
        raise Conflict("Aucun signalement en attente pour cette publication.", "no_open_report")
    reason = reason.strip()
    async with write_transaction():
        if action == "remove":
            await _remove(principal.user_id, row, _reason(reason, "Indiquez la raison du retrait : l'auteur la verra."))
            if res is not None:
                on_commit(partial(publish_post_event, res, "gazette.post_removed", row))
        else:
            await GazetteReport.update({GazetteReport.status: "dismissed", GazetteReport.handled_at: clock.now(),
                                        GazetteReport.handled_by: principal.user_id}).where(
                (GazetteReport.post == post_id) & (GazetteReport.status == "open"))
            await audit_post(principal.user_id, "dismiss", row, reason[:500])
    return await post_out(principal, post_id), row
