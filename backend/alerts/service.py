"""Alerts: posting (idempotent, outbox in the same transaction), reading, resolving, moderating.

Writes take `res`, the process's resources (`app.state` in the API, a job's ctx in a worker:
`settings`, `valkey`, `queues`): after the commit, the fan-out is enqueued and the change is
published on the live stream (`db.on_commit`).
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any, Mapping

from backend.alerts.live import publish_alert
from backend.alerts.schemas import AlertIn, AlertOptions, AlertOut, AlertPage, Author, ModerationEntry
from backend.alerts.tables import Alert, ModerationAction
from backend.audit import service as audit
from backend.auth.principal import Principal
from backend.communities import service as communities
from backend.communities.tables import Community, MairieStaff
from backend.db import on_commit, write_transaction
from backend.delivery import service as delivery
from backend.lib import clock, ratelimit
from backend.lib.errors import Conflict, DomainError, Forbidden, NotFound
from backend.lib.sql import iso_utc, select_plain

log = logging.getLogger(__name__)

CATEGORIES = {
    "suspicious_vehicle": "Véhicule suspect",
    "suspicious_person": "Personne suspecte",
    "open_while_away": "Porte ou fenêtre ouverte en l'absence des occupants",
    "no_news": "Pas de nouvelles d'un voisin",
    "burglary_in_progress": "Cambriolage en cours",
    "fire_smoke": "Incendie ou fumée",
    "other": "Autre",
}
CATEGORIES_EN = {
    "suspicious_vehicle": "Suspicious vehicle",
    "suspicious_person": "Suspicious person",
    "open_while_away": "Door or window open while the occupants are away",
    "no_news": "No news from a neighbour",
    "burglary_in_progress": "Burglary in progress",
    "fire_smoke": "Fire or smoke",
    "other": "Other",
}
CATEGORY_LABELS = {"fr": CATEGORIES, "en": CATEGORIES_EN}  # by locale (notifications)
URGENT = {"burglary_in_progress", "fire_smoke"}
RESOLUTIONS = {"resolved": "résolue", "false_alarm": "fausse alerte"}
RESOLUTION_LABELS = {"fr": RESOLUTIONS, "en": {"resolved": "resolved", "false_alarm": "false alarm"}}
MODERATION_ACTIONS = {"approve": "approved", "hide": "hidden", "remove": "removed"}
ALERT_KIND = "alert"
FOLLOWUP_KIND = "alert_followup"
POLICE_KIND = "alert_police"  # handled by backend.alerts.jobs
MODERATION_NOTICE_KIND = "moderation_notice"

_COLUMNS = (Alert.all_columns(), Alert.community.name, Alert.author.first_name, Alert.author.last_name)
# The same columns and keys, hand-written for the hot paths (the feed, posting): piccolo's
# query builder cost more CPU (~0.35 ms a query here) than running the query.
_SELECT_SQL = (
    'SELECT a.id, a.community, c.name AS "community.name", a.category, a.title, a.body, a.place, a.notify_mairie, '
    'a.notify_police, a.author, u.first_name AS "author.first_name", u.last_name AS "author.last_name", '
    "a.created_at, a.resolution, a.resolved_at, a.moderation, a.moderation_reason, a.source, a.idempotency_key, "
    "a.police_no_contact "
    "FROM alerts a JOIN communities c ON c.id = a.community JOIN users u ON u.id = a.author"
)


def check_idempotency_key(key: str | None) -> str:
    key = (key or "").strip()
    if not 8 <= len(key) <= 100:
        raise DomainError("En-tête Idempotency-Key manquant ou invalide (8 à 100 caractères).", "idempotency_key_required")
    return key


def validate(data: AlertIn) -> dict[str, Any]:
    if data.category not in CATEGORIES:
        raise DomainError("Catégorie d'alerte inconnue.", "invalid_category")
    title, body, place = data.title.strip(), data.body.strip(), data.place.strip()
    if not 3 <= len(title) <= 120:
        raise DomainError("Le titre doit faire entre 3 et 120 caractères.", "invalid_title")
    if not 1 <= len(body) <= 2000:
        raise DomainError("Décrivez la situation (2000 caractères au plus).", "invalid_body")
    if len(place) > 200:
        raise DomainError("Le lieu est trop long (200 caractères au plus).", "invalid_place")
    return dict(category=data.category, title=title, body=body, place=place,
                notify_mairie=data.notify_mairie, notify_police=data.notify_police)


def to_out(row: Mapping[str, Any], delivery_info: dict[str, Any] | None = None) -> AlertOut:
    return AlertOut(
        id=row["id"], community_id=row["community"], community_name=row["community.name"],
        category=row["category"], category_label=CATEGORIES.get(row["category"], row["category"]),
        urgent=row["category"] in URGENT, title=row["title"], body=row["body"], place=row["place"],
        notify_mairie=bool(row["notify_mairie"]), notify_police=bool(row["notify_police"]),
        author=Author(id=row["author"], name=f"{row['author.first_name']} {row['author.last_name']}".strip()),
        created_at=iso_utc(row["created_at"]), resolution=row["resolution"], resolved_at=iso_utc(row["resolved_at"]),
        moderation=row["moderation"], moderation_reason=row["moderation_reason"], source=row["source"],
        police_no_contact=bool(row["police_no_contact"]), delivery=delivery_info,
    )


async def load(alert_id: int) -> dict[str, Any]:
    rows = await Alert.raw(_SELECT_SQL + " WHERE a.id = {}", alert_id)
    if not rows:
        raise NotFound("Cette alerte n'existe pas.", "alert_not_found")
    return rows[0]


async def find_replay(author_id: int, community_id: int, key: str | None) -> AlertOut | None:
    """The alert this author already created with this idempotency key, if any."""
    if not key:
        return None
    found = await Alert.raw("SELECT id, community FROM alerts WHERE author = {} AND idempotency_key = {} LIMIT 1",
                            author_id, key)
    existing = found[0] if found else None
    if existing is None:
        return None
    if existing["community"] != community_id:
        raise Conflict("Cette clé d'idempotence a déjà servi pour une autre alerte.", "idempotency_key_reused")
    return to_out(await load(existing["id"]))


async def alert_options(community_id: int, police_fallback: str = "") -> AlertOptions:
    """Whether the form may offer « prévenir la police » (a contact is set) and « la mairie » (it has staff).

    `police_fallback` is the platform's default police address (settings.police_email).
    """
    row = await Community.select(Community.commune, Community.commune.police_email).where(
        Community.id == community_id).first()
    if row is None:
        raise NotFound("Ce quartier n'existe pas.", "community_not_found")
    staffed = await MairieStaff.exists().where(MairieStaff.commune == row["commune"])
    return AlertOptions(police_contact=bool((row["commune.police_email"] or police_fallback).strip()), mairie=staffed)


def _after_commit(res: Mapping[str, Any], event_type: str, alert: AlertOut, *kinds: str, ref_id: int = 0) -> None:
    """Inside the write: once committed, hand the outbox rows of `kinds` (for `ref_id`, else the
    alert) to the fan-out queue, then publish `event_type` about `alert` on the live stream."""
    for kind in kinds:
        on_commit(partial(delivery.dispatch, res["queues"], kind, ref_id or alert.id))
    on_commit(partial(publish_alert, res, event_type, alert))


async def create_alert(res: Mapping[str, Any], author_id: int, community_id: int, data: AlertIn,
                       idempotency_key: str | None) -> tuple[AlertOut, bool]:
    """An alert posted in the app: (alert, created).

    A replayed Idempotency-Key (an offline outbox) returns the first alert, changes nothing and
    does not count against the member's hourly number of alerts; a new one must be within it.
    """
    settings = res["settings"]
    key = check_idempotency_key(idempotency_key)
    replay = await find_replay(author_id, community_id, key)
    if replay is not None:
        return replay, False
    limit = ratelimit.CreationLimit(
        res["valkey"], f"alerts:{author_id}", settings.alerts_per_hour, 3600,
        f"Vous avez déjà envoyé {settings.alerts_per_hour} alertes cette heure-ci. "
        "En cas d'urgence, appelez le 17 (police) ou le 112.", "alert_rate_limited")
    await limit.check()
    alert, created = await post_alert(res, author_id, community_id, data, key, police_fallback=settings.police_email)
    if created:
        await limit.count()
    return alert, created


async def post_alert(res: Mapping[str, Any], author_id: int, community_id: int, data: AlertIn,
                     idempotency_key: str | None, source: str = "app", police_fallback: str = "") -> tuple[AlertOut, bool]:
    """Create the alert and its outbox row in one transaction; a replayed key returns the first alert.

    Returns (alert, created). After the commit the fan-out (and the police mail) is enqueued and
    `alert.created` published. An alert
    flagged « police » where no police contact is set is still created and sent to the neighbours
    (an offline alert replayed later must never be refused for it); it is marked
    `police_no_contact`, which its author and the mairie inbox see, and no police mail is queued.
    """
    key = check_idempotency_key(idempotency_key) if source == "app" else idempotency_key
    replay = await find_replay(author_id, community_id, key)
    if replay is not None:
        return replay, False
    values = validate(data)
    if values["notify_police"] and not (await alert_options(community_id, police_fallback)).police_contact:
        values["police_no_contact"] = True
    try:
        async with write_transaction():
            rows = await Alert.insert(Alert(community=community_id, author=author_id, source=source,
                                            idempotency_key=key, **values)).returning(Alert.id)
            alert_id = rows[0]["id"]
            kinds = [ALERT_KIND] + ([POLICE_KIND] if values["notify_police"] and not values.get("police_no_contact")
                                    else [])
            for kind in kinds:
                await delivery.add_outbox(kind, alert_id)
                on_commit(partial(delivery.dispatch, res["queues"], kind, alert_id))
        # Read back once committed, outside SQLite's write lock (the next author's POST waits on it).
        alert = to_out(await load(alert_id))
        await publish_alert(res, "alert.created", alert)
    except Exception as exc:  # two replays racing: the unique (author, key) index lets one through
        if key and "unique" in str(exc).lower():
            again = await Alert.select(Alert.id).where((Alert.author == author_id) & (Alert.idempotency_key == key)).first()
            if again:
                return to_out(await load(again["id"])), False
        raise
    return alert, True


def can_see_delivery_counts(principal: Principal, row: dict[str, Any], commune_id: int | None) -> bool:
    return (row["author"] == principal.user_id or principal.is_referent(row["community"])
            or principal.is_moderator or principal.is_admin
            or (commune_id is not None and principal.is_staff_of(commune_id)))


async def can_read(principal: Principal, row: dict[str, Any]) -> bool:
    if principal.is_moderator or principal.is_admin or principal.is_active_member(row["community"]):
        return True
    commune_id = await communities.commune_of_community(row["community"])
    return commune_id is not None and principal.is_staff_of(commune_id)


async def get_alert(principal: Principal, alert_id: int) -> AlertOut:
    """One alert with delivery figures (counts for those in charge, own rows for a member)."""
    row = await load(alert_id)
    if not await can_read(principal, row):
        raise Forbidden("Cette alerte concerne un autre quartier.", "alert_forbidden")
    if row["moderation"] in ("hidden", "removed") and not (principal.is_moderator or principal.is_admin
                                                            or row["author"] == principal.user_id):
        raise NotFound("Cette alerte a été retirée par la modération.", "alert_removed")
    commune_id = await communities.commune_of_community(row["community"])
    if can_see_delivery_counts(principal, row, commune_id):
        counts = (await delivery.counts(ALERT_KIND, [alert_id]))[alert_id]
        info: dict[str, Any] = {channel: c for channel, c in counts.items()}
    else:
        info = {"mine": await delivery.mine(ALERT_KIND, alert_id, principal.user_id)}
    return to_out(row, info)


async def list_alerts(principal: Principal, community_id: int, before: int | None, limit: int) -> AlertPage:
    """Newest first, `limit` per page; hidden/removed alerts only for moderators."""
    limit = max(1, min(limit, 100))
    sql, args = _SELECT_SQL + " WHERE a.community = {}", [community_id]
    if before:
        sql += " AND a.id < {}"
        args.append(before)
    if not (principal.is_moderator or principal.is_admin):
        sql += " AND a.moderation IN ('pending', 'approved')"
    rows = await select_plain(Alert, sql + " ORDER BY a.id DESC LIMIT {}", *args, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return AlertPage(items=[to_out(r) for r in rows], next_before=rows[-1]["id"] if more and rows else None)


async def resolve(res: Mapping[str, Any], principal: Principal, alert_id: int, resolution: str) -> AlertOut:
    """The author closes the alert as resolved or false alarm; a push follow-up goes out."""
    if resolution not in RESOLUTIONS:
        raise DomainError("Choisissez « résolue » ou « fausse alerte ».", "invalid_resolution")
    row = await load(alert_id)
    if row["author"] != principal.user_id:
        raise Forbidden("Seul l'auteur de l'alerte peut la clore.", "not_author")
    if row["resolution"] != "open":
        raise Conflict("Cette alerte est déjà close.", "already_resolved")
    async with write_transaction():
        await Alert.update({Alert.resolution: resolution, Alert.resolved_at: clock.now()}).where(Alert.id == alert_id)
        await delivery.add_outbox(FOLLOWUP_KIND, alert_id)
        alert = to_out(await load(alert_id))
        _after_commit(res, "alert.updated", alert, FOLLOWUP_KIND)
    return alert


async def moderation_queue(state: str) -> list[AlertOut]:
    if state not in ("pending", "approved", "hidden", "removed"):
        raise DomainError("État de modération inconnu.", "invalid_state")
    rows = await Alert.select(*_COLUMNS).where(Alert.moderation == state).order_by(Alert.id, ascending=False).limit(200)
    return [to_out(r) for r in rows]


async def moderate(res: Mapping[str, Any], moderator_id: int, alert_id: int, action: str, reason: str) -> AlertOut:
    """Approve, hide or remove an alert (reason required unless approving); logged. The author is
    told by e-mail why it was hidden or removed (an outbox task)."""
    if action not in MODERATION_ACTIONS:
        raise DomainError("Action inconnue (approve, hide ou remove).", "invalid_action")
    reason = reason.strip()
    if action != "approve" and len(reason) < 3:
        raise DomainError("Indiquez la raison : elle sera communiquée à l'auteur.", "reason_required")
    row = await load(alert_id)
    commune_id = await communities.commune_of_community(row["community"])
    async with write_transaction():
        await Alert.update({Alert.moderation: MODERATION_ACTIONS[action], Alert.moderation_reason: reason[:500]}).where(
            Alert.id == alert_id)
        await audit.record(moderator_id, f"moderation.{action}", f"alert:{alert_id}", {"reason": reason[:500]},
                    commune_id=commune_id)
        rows = await ModerationAction.insert(ModerationAction(
            alert=alert_id, moderator=moderator_id, action=action, reason=reason[:500])).returning(ModerationAction.id)
        notices = [MODERATION_NOTICE_KIND] if action != "approve" else []
        for kind in notices:
            await delivery.add_outbox(kind, rows[0]["id"])
        alert = to_out(await load(alert_id))
        _after_commit(res, "moderation.changed", alert, *notices, ref_id=rows[0]["id"])
    return alert


async def moderation_history(alert_id: int) -> list[ModerationEntry]:
    await load(alert_id)
    rows = await ModerationAction.select(
        ModerationAction.action, ModerationAction.reason, ModerationAction.created_at,
        ModerationAction.moderator.first_name, ModerationAction.moderator.last_name,
    ).where(ModerationAction.alert == alert_id).order_by(ModerationAction.id)
    return [ModerationEntry(action=r["action"], reason=r["reason"], created_at=r["created_at"].isoformat(),
                            moderator=f"{r['moderator.first_name']} {r['moderator.last_name']}") for r in rows]


async def forwarded_to_mairie(commune_id: int) -> list[AlertOut]:
    rows = await Alert.select(*_COLUMNS).where(
        (Alert.community.commune == commune_id) & (Alert.notify_mairie == True)  # noqa: E712
        & Alert.moderation.is_in(["pending", "approved"])
    ).order_by(Alert.id, ascending=False).limit(200)
    return [to_out(r) for r in rows]
