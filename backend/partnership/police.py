"""The police/gendarmerie referent acknowledges a forwarded alert through the signed link of its
e-mail (backend/alerts/jobs.py, `police_ack_token`), without an account; the acknowledgement and
its note are read by the alert's author, the commune's mairie staff, moderators and admins."""

from __future__ import annotations

from typing import Any

from backend.alerts import service as alerts
from backend.alerts.jobs import POLICE_ACK
from backend.alerts.tables import Alert
from backend.audit import service as audit
from backend.auth.principal import Principal
from backend.db import write_transaction
from backend.lib import signed
from backend.lib.errors import Conflict, DomainError, NotFound
from backend.mairie import liaison
from backend.partnership.applications import optional_text
from backend.partnership.schemas import ForwardedToPolice, PoliceAckOut, PoliceAlertView
from backend.partnership.tables import PoliceAcknowledgement

VISIBLE = Alert.moderation.is_in(["pending", "approved"])


async def _alert_of(settings: Any, token: str) -> dict[str, Any]:
    payload = signed.unsign(settings.secret_key, POLICE_ACK, token, settings.police_ack_link_days * 86400)
    row = await Alert.select(Alert.id, Alert.title, Alert.category, Alert.place, Alert.body, Alert.created_at,
                             Alert.notify_police, Alert.community.name, Alert.community.commune,
                             Alert.community.commune.name).where(
        (Alert.id == payload.get("a")) & VISIBLE).first()
    if row is None or not row["notify_police"]:
        raise NotFound("Cette alerte n'est plus en ligne.", "alert_not_found")
    return row


async def _acks(alert_ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = await PoliceAcknowledgement.select().where(PoliceAcknowledgement.alert.is_in(alert_ids or [0]))
    return {r["alert"]: r for r in rows}


def _ack_out(alert_id: int, ack: dict[str, Any] | None) -> PoliceAckOut:
    if ack is None:
        return PoliceAckOut(alert_id=alert_id, acknowledged=False)
    return PoliceAckOut(alert_id=alert_id, acknowledged=True, by=ack["name"], note=ack["note"],
                        at=ack["created_at"].isoformat())


async def view(settings: Any, token: str) -> PoliceAlertView:
    """The alert behind a signed link, and whether it was acknowledged."""
    row = await _alert_of(settings, token)
    ack = (await _acks([row["id"]])).get(row["id"])
    return PoliceAlertView(
        alert_id=row["id"], title=row["title"], category=alerts.CATEGORIES.get(row["category"], row["category"]),
        place=row["place"], body=row["body"], community=row["community.name"], commune=row["community.commune.name"],
        created_at=row["created_at"].isoformat(), acknowledged=ack is not None,
        acknowledged_at=ack["created_at"].isoformat() if ack else None, name=ack["name"] if ack else "",
        note=ack["note"] if ack else "")


async def acknowledge(settings: Any, token: str, name: str, note: str) -> PoliceAckOut:
    """Record the referent's acknowledgement (once) with their name and a note."""
    row = await _alert_of(settings, token)
    name = optional_text(name, "nom", 120)
    note = optional_text(note, "note", 1000)
    if not name:
        raise DomainError("Indiquez votre nom (et votre grade ou unité) : l'auteur saura qui a lu son alerte.",
                          "missing_field")
    async with write_transaction():
        if await PoliceAcknowledgement.exists().where(PoliceAcknowledgement.alert == row["id"]):
            raise Conflict("Cette alerte a déjà été prise en compte.", "already_acknowledged")
        await PoliceAcknowledgement.insert(PoliceAcknowledgement(alert=row["id"], commune=row["community.commune"],
                                                                 name=name, note=note))
        await audit.record(None, "alert.police_acknowledge", f"alert:{row['id']}", {"name": name, "note": note},
                           commune_id=row["community.commune"])
    return _ack_out(row["id"], (await _acks([row["id"]]))[row["id"]])


async def acknowledgement_for(principal: Principal, alert_id: int) -> PoliceAckOut:
    """The police acknowledgement of an alert: for its author, the commune's staff, moderators, admins."""
    await liaison.check_answer_reader(principal, alert_id)
    return _ack_out(alert_id, (await _acks([alert_id])).get(alert_id))


async def forwarded_to_police(commune_id: int) -> list[ForwardedToPolice]:
    """The commune's alerts flagged « police », newest first, with the referent's acknowledgement."""
    rows = await Alert.select(Alert.id, Alert.title, Alert.created_at, Alert.police_no_contact,
                              Alert.community.name).where(
        (Alert.community.commune == commune_id) & (Alert.notify_police == True) & VISIBLE  # noqa: E712
    ).order_by(Alert.id, ascending=False).limit(200)
    acks = await _acks([r["id"] for r in rows])
    return [ForwardedToPolice(alert_id=r["id"], title=r["title"], community=r["community.name"],
                              created_at=r["created_at"].isoformat(), police_no_contact=bool(r["police_no_contact"]),
                              acknowledgement=_ack_out(r["id"], acks.get(r["id"]))) for r in rows]
