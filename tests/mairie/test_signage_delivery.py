"""A signage order's « delivered » note is kept on the order (issue 15, point 6: it was dropped),
with the delivery's date, while the approval's note, author and date stay as they were."""

from __future__ import annotations

from backend.mairie.tables import SignageOrder
from tests.builders import build_world


async def test_the_delivery_note_is_saved_and_the_referent_reads_it_beside_the_approval(api, fx_app, fx_password_hash):
    w = await build_world(fx_password_hash)
    referent = await api.as_user(w.email("referent"))
    staff = await api.as_user(w.email("staff"))
    order = {"model": "autocollant", "quantity": 30, "delivery_address": "12 rue des Tilleuls", "subsidised": True}
    oid = (await referent.post(f"/api/v1/communities/{w.community}/signage-orders", order)).json()["id"]
    approved = (await staff.post(f"/api/v1/communes/{w.commune}/signage-orders/{oid}/decision",
                                 {"decision": "approve", "subsidised": True, "note": "Livraison sous 15 jours."})).json()
    assert approved["delivery_note"] == "" and approved["delivered_at"] is None

    long_note = {"decision": "deliver", "note": "x" * 501}
    r = await staff.post(f"/api/v1/communes/{w.commune}/signage-orders/{oid}/decision", long_note)
    assert r.status_code == 400 and r.json()["code"] == "invalid_note"
    r = await staff.post(f"/api/v1/communes/{w.commune}/signage-orders/{oid}/decision",
                         {"decision": "deliver", "note": "  Déposés à l'accueil de la mairie, à retirer auprès de Mme Martin. "})
    assert r.status_code == 200, r.text
    delivered = r.json()
    assert delivered["status"] == "delivered"
    assert delivered["delivery_note"] == "Déposés à l'accueil de la mairie, à retirer auprès de Mme Martin."
    assert delivered["delivered_at"] is not None
    # The approval is not overwritten by the delivery.
    assert delivered["decision_note"] == "Livraison sous 15 jours." and delivered["decided_at"] == approved["decided_at"]

    [followed] = (await referent.get(f"/api/v1/communities/{w.community}/signage-orders")).json()
    assert (followed["delivery_note"], followed["delivered_at"]) == (delivered["delivery_note"], delivered["delivered_at"])
    row = await SignageOrder.select(SignageOrder.delivery_note, SignageOrder.decided_by).where(SignageOrder.id == oid).first()
    assert row == {"delivery_note": delivered["delivery_note"], "decided_by": w.users["staff"]}
