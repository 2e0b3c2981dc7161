"""« Participation citoyenne »: the convention between the mairie, the police or gendarmerie and the
residents (signatories, date, perimeter, the police/gendarmerie referent as a contact), and the
citizen referents the mairie names among the commune's verified members.

The referent's e-mail is the commune's police contact (`Commune.police_email`, set through the
mairie's liaison), kept there only: the convention and the mairie's card show and change the same
address; alerts flagged « police » are mailed there with a signed acknowledgement link."""

from __future__ import annotations

from datetime import date
from typing import Any

from backend.audit import service as audit
from backend.auth import service as auth_service
from backend.communities.tables import Commune, Community, Membership, MembershipStatus
from backend.db import write_transaction
from backend.lib import clock
from backend.lib.errors import DomainError, NotFound
from backend.lib.phones import normalise_phone
from backend.mairie import liaison
from backend.partnership.applications import optional_text
from backend.partnership.schemas import CitizenReferentOut, CommunityRef, ConventionIn, ConventionOut
from backend.partnership.tables import CitizenReferent, Convention, ConventionCommunity

FORCES = ("police", "gendarmerie")


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


async def _referents(commune_id: int) -> list[CitizenReferentOut]:
    rows = await CitizenReferent.select(CitizenReferent.user, CitizenReferent.created_at, CitizenReferent.user.first_name,
                                        CitizenReferent.user.last_name).where(
        CitizenReferent.commune == commune_id).order_by(CitizenReferent.user.last_name)
    ids = [r["user"] for r in rows]
    places = await Membership.select(Membership.user, Membership.community.name).where(
        Membership.user.is_in(ids or [0]) & (Membership.community.commune == commune_id)
        & (Membership.status == MembershipStatus.ACTIVE))
    return [CitizenReferentOut(user_id=r["user"], name=f"{r['user.first_name']} {r['user.last_name']}",
                               communities=sorted(p["community.name"] for p in places if p["user"] == r["user"]),
                               named_at=r["created_at"].isoformat()) for r in rows]


async def get_convention(commune_id: int) -> ConventionOut:
    """The commune's convention (empty fields while none is recorded), its perimeter and citizen referents."""
    commune = await Commune.select(Commune.name, Commune.mairie_joined_at, Commune.police_email).where(
        Commune.id == commune_id).first()
    if commune is None:
        raise NotFound("Cette commune n'existe pas.", "commune_not_found")
    row = await Convention.select().where(Convention.commune == commune_id).first() or {}
    communities = await ConventionCommunity.select(ConventionCommunity.community, ConventionCommunity.community.name).where(
        ConventionCommunity.convention == row.get("id", 0)).order_by(ConventionCommunity.community.name)
    return ConventionOut(
        commune_id=commune_id, commune_name=commune["name"], mairie_joined_at=_iso(commune["mairie_joined_at"]),
        recorded=bool(row), signed_on=_iso(row.get("signed_on")), mairie_signatory=row.get("mairie_signatory", ""),
        force=row.get("force", "gendarmerie"), force_signatory=row.get("force_signatory", ""),
        prefecture_signatory=row.get("prefecture_signatory", ""), referent_name=row.get("referent_name", ""),
        referent_unit=row.get("referent_unit", ""), referent_email=commune["police_email"] if row else "",
        referent_phone=row.get("referent_phone", ""),
        communities=[CommunityRef(id=c["community"], name=c["community.name"]) for c in communities],
        citizen_referents=await _referents(commune_id), updated_at=_iso(row.get("updated_at")))


def _signed_on(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DomainError("Date de signature invalide (AAAA-MM-JJ).", "invalid_date") from None


async def save_convention(actor_id: int, commune_id: int, data: ConventionIn) -> ConventionOut:
    """Record or update the convention (mairie staff); the referent's e-mail becomes the police contact."""
    if data.force not in FORCES:
        raise DomainError("Choisissez police ou gendarmerie.", "invalid_force")
    ids = sorted(set(data.community_ids))
    if not ids:
        raise DomainError("Choisissez au moins un quartier couvert par la convention.", "missing_perimeter")
    own = {r["id"] for r in await Community.select(Community.id).where(
        (Community.commune == commune_id) & Community.id.is_in(ids))}
    if own != set(ids):
        raise DomainError("Un des quartiers choisis n'est pas de votre commune.", "community_not_in_commune")
    values = {
        Convention.signed_on: _signed_on(data.signed_on),
        Convention.mairie_signatory: auth_service.required_field(data.mairie_signatory, "signataire pour la mairie", 200),
        Convention.force: data.force,
        Convention.force_signatory: auth_service.required_field(data.force_signatory, "signataire pour la police ou la gendarmerie", 200),
        Convention.prefecture_signatory: optional_text(data.prefecture_signatory, "signataire pour la préfecture", 200),
        Convention.referent_name: auth_service.required_field(data.referent_name, "nom du référent police ou gendarmerie", 120),
        Convention.referent_unit: optional_text(data.referent_unit, "unité du référent", 200),
        Convention.referent_phone: normalise_phone(data.referent_phone) if data.referent_phone.strip() else "",
        Convention.updated_by: actor_id,
    }
    async with write_transaction():
        existing = await Convention.select(Convention.id).where(Convention.commune == commune_id).first()
        if existing is None:
            rows = await Convention.insert(Convention(commune=commune_id, **{c._meta.name: v for c, v in values.items()})
                                           ).returning(Convention.id)
            convention_id = rows[0]["id"]
        else:
            convention_id = existing["id"]
            await Convention.update({**values, Convention.updated_at: clock.now()}).where(Convention.id == convention_id)
        await ConventionCommunity.delete().where(ConventionCommunity.convention == convention_id)
        await ConventionCommunity.insert(*[ConventionCommunity(convention=convention_id, community=c) for c in ids])
        await liaison.set_police_contact(actor_id, commune_id, auth_service.normalise_email(data.referent_email))
        await audit.record(actor_id, "convention.save", f"commune:{commune_id}",
                           {"signed_on": data.signed_on, "force": data.force, "communities": ids}, commune_id=commune_id)
    return await get_convention(commune_id)


async def add_citizen_referent(actor_id: int, commune_id: int, user_id: int) -> ConventionOut:
    """Name a verified member of one of the commune's neighbourhoods citizen referent."""
    member = await Membership.exists().where((Membership.user == user_id) & (Membership.community.commune == commune_id)
                                             & (Membership.status == MembershipStatus.ACTIVE))
    if not member:
        raise DomainError("Seul un membre vérifié d'un quartier de la commune peut être référent citoyen.",
                          "not_a_member")
    async with write_transaction():
        if not await CitizenReferent.exists().where((CitizenReferent.commune == commune_id)
                                                    & (CitizenReferent.user == user_id)):
            await CitizenReferent.insert(CitizenReferent(commune=commune_id, user=user_id, named_by=actor_id))
            await audit.record(actor_id, "citizen_referent.add", f"user:{user_id}", {}, commune_id=commune_id)
    return await get_convention(commune_id)


async def remove_citizen_referent(actor_id: int, commune_id: int, user_id: int) -> ConventionOut:
    async with write_transaction():
        removed = await CitizenReferent.delete().where((CitizenReferent.commune == commune_id)
                                                       & (CitizenReferent.user == user_id)).returning(CitizenReferent.id)
        if not removed:
            raise NotFound("Cette personne n'est pas référent citoyen de la commune.", "not_a_citizen_referent")
        await audit.record(actor_id, "citizen_referent.remove", f"user:{user_id}", {}, commune_id=commune_id)
    return await get_convention(commune_id)
