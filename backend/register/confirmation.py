"""Confirming an entry a relative or carer made: it stays pending until the person agrees or
refuses — in the app, by answering OUI / NON to the SMS, or by a call the commune's agent records
(with who took it). Each answer settles a pending entry once and is written to the audit log.
"""

from __future__ import annotations

from backend.audit import service as audit
from backend.auth.principal import Principal
from backend.db import write_transaction
from backend.lib import clock
from backend.lib.errors import Conflict, Forbidden, NotFound
from backend.register.schemas import CallConfirmationIn, EntryOut
from backend.register.service import NOT_FOUND, clean, load_entry, read_entry, readers_or_404
from backend.register.tables import RegisterEntry

CONFIRM_WORDS = {"OUI": True, "NON": False}
CONFIRM_REPLIES = {
    "fr": {True: "Vigie : merci, votre inscription au registre de la mairie est confirmée.",
           False: "Vigie : c'est noté, vous n'êtes pas inscrit(e) au registre."},
    "en": {True: "Vigie: thank you, your registration with the town hall's register is confirmed.",
           False: "Vigie: noted, you are not on the register."},
}
"""The SMS answering OUI / NON to the confirmation request, by language (the words stay French)."""


async def _settle(entry_id: int, agreed: bool, method: str, actor: int, detail: str = "",
                  recorded_by: int | None = None) -> bool:
    """pending → active | refused, once; False when it was no longer pending."""
    updated = await RegisterEntry.update({
        RegisterEntry.status: "active" if agreed else "refused", RegisterEntry.confirmed_at: clock.now(),
        RegisterEntry.consent_method: method, RegisterEntry.consent_detail: detail[:300],
        RegisterEntry.consent_recorded_by: recorded_by,
    }).where((RegisterEntry.id == entry_id) & (RegisterEntry.status == "pending")).returning(RegisterEntry.commune)
    if updated:
        await audit.record(actor, "register.confirm" if agreed else "register.refuse", f"register:{entry_id}",
                           {"via": method}, commune_id=updated[0]["commune"])
    return bool(updated)


async def answer_in_app(principal: Principal, entry_id: int, agreed: bool) -> EntryOut:
    """The person registered by a relative accepts or refuses, in the app."""
    row = await load_entry(entry_id)
    if row["person"] != principal.user_id:
        await readers_or_404(principal, row)
        raise Forbidden("Seule la personne inscrite peut confirmer son inscription.", "not_the_person")
    if row["status"] != "pending":
        raise Conflict("Cette inscription n'attend plus de réponse.", "register_not_pending")
    async with write_transaction():
        await _settle(entry_id, agreed, "app", principal.user_id)
    return await read_entry(principal, entry_id, audited=False)


async def confirm_by_call(principal: Principal, commune_id: int, entry_id: int, data: CallConfirmationIn) -> EntryOut:
    """The agent called the person: their answer, recorded with who took it."""
    row = await load_entry(entry_id)
    if row["commune"] != commune_id:
        raise NotFound(*NOT_FOUND)
    if row["status"] != "pending":
        raise Conflict("Cette inscription n'attend plus de réponse.", "register_not_pending")
    detail = clean(data.detail, 300, "Le détail de l'appel", "invalid_consent")
    async with write_transaction():
        await _settle(entry_id, data.agreed, "telephone", principal.user_id, detail, recorded_by=principal.user_id)
    return await read_entry(principal, entry_id, audited=False)


async def answer_by_sms(user_id: int, word: str, locale: str = "fr") -> str | None:
    """OUI / NON from a person whose registration by a relative waits for them: the reply text;
    None when nothing waits (the SMS goes on to the next command)."""
    if word not in CONFIRM_WORDS:
        return None
    row = await RegisterEntry.select(RegisterEntry.id).where(
        (RegisterEntry.person == user_id) & (RegisterEntry.status == "pending")).order_by(RegisterEntry.id).first()
    if row is None:
        return None
    async with write_transaction():
        await _settle(row["id"], CONFIRM_WORDS[word], "sms", user_id)
    return CONFIRM_REPLIES.get(locale, CONFIRM_REPLIES["fr"])[CONFIRM_WORDS[word]]
