"""Alerts forwarded to the mairie (flagged « mairie » or « police »): the staff inbox and its
acknowledgements (with a note the author reads), and the commune's police/gendarmerie contact."""

from __future__ import annotations

import re
from functools import partial
from typing import Any, Mapping

from backend.alerts import service as alerts
from backend.alerts.tables import Alert
from backend.audit import service as audit
from backend.auth.principal import Principal
from backend.communities.service import commune_of_community
from backend.communities.tables import Commune
from backend.db import on_commit, write_transaction
from backend.delivery import service as delivery
from backend.lib.errors import Conflict, DomainError, Forbidden, NotFound
from backend.mairie.area import commune_row
from backend.mairie.live import publish_dashboard
from backend.mairie.notify import ACK_KIND
from backend.mairie.schemas import AckOut, InboxItem, PoliceContact
from backend.mairie.tables import Acknowledgement

FORWARDED = (Alert.notify_mairie == True) | (Alert.notify_police == True)  # noqa: E712
VISIBLE = Alert.moderation.is_in(["pending", "approved"])
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


async def _acks(alert_ids: list[int]) -> dict[int, AckOut]:
    rows = await Acknowledgement.select(Acknowledgement.alert, Acknowledgement.note, Acknowledgement.created_at,
                                        Acknowledgement.staff.first_name, Acknowledgement.staff.last_name).where(
        Acknowledgement.alert.is_in(alert_ids or [0]))
    return {r["alert"]: AckOut(alert_id=r["alert"], acknowledged=True, note=r["note"],
                               by=f"{r['staff.first_name']} {r['staff.last_name']} (mairie)",
                               at=r["created_at"].isoformat()) for r in rows}


async def inbox(commune_id: int, state: str = "all") -> list[InboxItem]:
    """Forwarded alerts of the commune, newest first, each with its acknowledgement (if any)."""
    if state not in ("all", "awaiting", "acknowledged"):
        raise DomainError("Filtre inconnu : all, awaiting ou acknowledged.", "invalid_state")
    rows = await Alert.select(Alert.all_columns(), Alert.community.name, Alert.author.first_name,
                              Alert.author.last_name).where(
        (Alert.community.commune == commune_id) & FORWARDED & VISIBLE).order_by(Alert.id, ascending=False).limit(200)
    acks = await _acks([r["id"] for r in rows])
    items = [InboxItem(alert=alerts.to_out(r), acknowledgement=acks.get(r["id"]) or AckOut(r["id"], False))
             for r in rows]
    if state == "awaiting":
        return [i for i in items if not i.acknowledgement.acknowledged]
    if state == "acknowledged":
        return [i for i in items if i.acknowledgement.acknowledged]
    return items


async def acknowledge(res: Mapping[str, Any], actor_id: int, commune_id: int, alert_id: int, note: str) -> AckOut:
    """Staff take a forwarded alert into account; the author is notified (after the commit) and reads
    the note; the staff's dashboard hears of it live. `res`: the process's resources (`app.state`: settings, queues, valkey)."""
    note = note.strip()
    if len(note) > 1000:
        raise DomainError("La note est trop longue (1000 caractères au plus).", "invalid_note")
    row = await Alert.select(Alert.id, Alert.title).where(
        (Alert.id == alert_id) & (Alert.community.commune == commune_id) & FORWARDED & VISIBLE).first()
    if row is None:
        raise NotFound("Cette alerte n'a pas été transmise à votre mairie.", "alert_not_forwarded")
    async with write_transaction():
        if await Acknowledgement.exists().where(Acknowledgement.alert == alert_id):
            raise Conflict("Cette alerte a déjà été prise en compte.", "already_acknowledged")
        rows = await Acknowledgement.insert(Acknowledgement(alert=alert_id, commune=commune_id, staff=actor_id,
                                                           note=note)).returning(Acknowledgement.id)
        await delivery.add_outbox(ACK_KIND, rows[0]["id"])
        on_commit(partial(delivery.dispatch, res["queues"], ACK_KIND, rows[0]["id"]))
        on_commit(partial(publish_dashboard, res, commune_id, "forwarded_awaiting", alert_id=alert_id))
        await audit.record(actor_id, "alert.acknowledge", f"alert:{alert_id}", {"title": row["title"], "note": note},
                           commune_id=commune_id)
    return (await _acks([alert_id]))[alert_id]


async def check_answer_reader(principal: Principal, alert_id: int) -> None:
    """Answers to a forwarded alert (the mairie's, the police's) are read by its author, the
    commune's staff, moderators and admins: 404 for an unknown alert, 403 for anyone else."""
    row = await alerts.load(alert_id)
    commune_id = await commune_of_community(row["community"])
    allowed = (row["author"] == principal.user_id or principal.is_moderator or principal.is_admin
               or (commune_id is not None and principal.is_staff_of(commune_id)))
    if not allowed:
        raise Forbidden("Seul l'auteur de l'alerte et la mairie voient cette réponse.", "acknowledgement_forbidden")


async def acknowledgement_for(principal: Principal, alert_id: int) -> AckOut:
    """The mairie's acknowledgement of an alert: for its author, the commune's staff, moderators, admins."""
    await check_answer_reader(principal, alert_id)
    return (await _acks([alert_id])).get(alert_id) or AckOut(alert_id=alert_id, acknowledged=False)


AWAITING_SQL = (
    "SELECT a.id, a.title, a.category, a.notify_mairie, a.notify_police, a.created_at, c.name AS community_name "
    "FROM alerts a JOIN communities c ON c.id = a.community "
    "LEFT JOIN mairie_acknowledgements k ON k.alert = a.id "
    "WHERE c.commune = {} AND (a.notify_mairie OR a.notify_police) "
    "AND a.moderation IN ('pending', 'approved') AND k.id IS NULL ORDER BY a.id DESC")
"""Its condition is the partial index `alerts_forwarded`'s (the forwarded alerts, not the network's)."""


async def awaiting_count_rows(commune_id: int) -> list[dict[str, Any]]:
    """Forwarded alerts not yet acknowledged (plain rows, for the dashboard)."""
    return await Alert.raw(AWAITING_SQL, commune_id)


async def police_contact(commune_id: int) -> PoliceContact:
    return PoliceContact(police_email=(await commune_row(commune_id))["police_email"])


async def set_police_contact(actor_id: int, commune_id: int, email: str) -> PoliceContact:
    """The police/gendarmerie referent (participation citoyenne) who receives alerts flagged « police »."""
    email = email.strip()
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        raise DomainError("Adresse e-mail invalide.", "invalid_email")
    before = await police_contact(commune_id)
    async with write_transaction():
        await Commune.update({Commune.police_email: email}).where(Commune.id == commune_id)
        await audit.record(actor_id, "police_contact.update", f"commune:{commune_id}",
                           {"before": before.police_email, "after": email}, commune_id=commune_id)
    return PoliceContact(police_email=email)
