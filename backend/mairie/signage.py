"""Street-sign orders: a community (its referent) or the mairie orders; staff approve or
decline (and say whether the mairie pays), then mark them delivered; the referent follows."""

from __future__ import annotations

from typing import Any

from backend.audit import service as audit
from backend.db import write_transaction
from backend.lib import clock
from backend.lib.errors import Conflict, DomainError, NotFound
from backend.lib.text import iso
from backend.mairie.schemas import Author, SignageDecisionIn, SignageIn, SignageOut
from backend.mairie.tables import SignageOrder

MODELS = {
    "panneau_rue": "Panneau de rue « Voisins vigilants et solidaires » (50 × 30 cm)",
    "panneau_entree": "Panneau d'entrée de quartier (80 × 60 cm)",
    "autocollant": "Autocollant pour boîte aux lettres",
}
DECISIONS = {"approve": ("requested", "approved"), "decline": ("requested", "declined"),
             "deliver": ("approved", "delivered")}

_COLUMNS = (SignageOrder.all_columns(), SignageOrder.community.name, SignageOrder.requested_by.first_name,
            SignageOrder.requested_by.last_name)


def _out(r: dict[str, Any]) -> SignageOut:
    return SignageOut(
        id=r["id"], commune_id=r["commune"], community_id=r["community"], community_name=r["community.name"] or "",
        requested_by=Author(id=r["requested_by"],
                            name=f"{r['requested_by.first_name']} {r['requested_by.last_name']}".strip()),
        model=r["model"], model_label=MODELS.get(r["model"], r["model"]), quantity=r["quantity"],
        delivery_address=r["delivery_address"], subsidised=r["subsidised"], note=r["note"], status=r["status"],
        decision_note=r["decision_note"], decided_at=iso(r["decided_at"]), created_at=r["created_at"].isoformat(),
        delivery_note=r["delivery_note"], delivered_at=iso(r["delivered_at"]))


async def _one(order_id: int) -> SignageOut:
    return _out(await SignageOrder.select(*_COLUMNS).where(SignageOrder.id == order_id).first())


async def order(actor_id: int, commune_id: int, community_id: int | None, data: SignageIn) -> SignageOut:
    if data.model not in MODELS:
        raise DomainError(f"Modèle inconnu : {', '.join(MODELS)}.", "invalid_model")
    if not 1 <= data.quantity <= 500:
        raise DomainError("La quantité doit être comprise entre 1 et 500.", "invalid_quantity")
    address = " ".join(data.delivery_address.split())
    if not 5 <= len(address) <= 300:
        raise DomainError("Indiquez l'adresse de livraison (5 à 300 caractères).", "invalid_address")
    if len(data.note) > 500:
        raise DomainError("La remarque est trop longue (500 caractères au plus).", "invalid_note")
    async with write_transaction():
        rows = await SignageOrder.insert(SignageOrder(
            commune=commune_id, community=community_id, requested_by=actor_id, model=data.model,
            quantity=data.quantity, delivery_address=address, subsidised=data.subsidised, note=data.note.strip(),
            created_at=clock.now())).returning(SignageOrder.id)
        await audit.record(actor_id, "signage.order", f"signage:{rows[0]['id']}",
                           {"model": data.model, "quantity": data.quantity, "community": community_id},
                           commune_id=commune_id)
    return await _one(rows[0]["id"])


async def orders(commune_id: int | None = None, community_id: int | None = None) -> list[SignageOut]:
    query = SignageOrder.select(*_COLUMNS).order_by(SignageOrder.id, ascending=False).limit(200)
    if commune_id is not None:
        query = query.where(SignageOrder.commune == commune_id)
    if community_id is not None:
        query = query.where(SignageOrder.community == community_id)
    return [_out(r) for r in await query]


async def decide(actor_id: int, commune_id: int, order_id: int, data: SignageDecisionIn) -> SignageOut:
    if data.decision not in DECISIONS:
        raise DomainError("Décision inconnue : approve, decline ou deliver.", "invalid_decision")
    if len(data.note) > 500:
        raise DomainError("La remarque est trop longue (500 caractères au plus).", "invalid_note")
    needed, new_status = DECISIONS[data.decision]
    async with write_transaction():
        row = await SignageOrder.select(SignageOrder.status, SignageOrder.subsidised).where(
            (SignageOrder.id == order_id) & (SignageOrder.commune == commune_id)).first()
        if row is None:
            raise NotFound("Cette commande n'existe pas.", "signage_not_found")
        if row["status"] != needed:
            raise Conflict("Cette commande n'est pas (ou plus) dans un état qui permet cette décision.",
                           "signage_wrong_state")
        values: dict[Any, Any] = {SignageOrder.status: new_status}
        if data.decision == "deliver":  # the approval's note, author and date stay as they were
            values.update({SignageOrder.delivery_note: data.note.strip(), SignageOrder.delivered_at: clock.now()})
        else:
            values.update({SignageOrder.decision_note: data.note.strip(), SignageOrder.decided_by: actor_id,
                           SignageOrder.decided_at: clock.now()})
        if data.decision == "approve" and data.subsidised is not None:
            values[SignageOrder.subsidised] = data.subsidised
        await SignageOrder.update(values).where(SignageOrder.id == order_id)
        await audit.record(actor_id, f"signage.{data.decision}", f"signage:{order_id}",
                           {"note": data.note.strip(), "subsidised": data.subsidised}, commune_id=commune_id)
    return await _one(order_id)
