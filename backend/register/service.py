"""The register of vulnerable people: who registers whom, who confirms, who may read an entry.

An entry is active only once the person agreed: their own registration in the app, an agent's
paper form with the consent recorded, or — when a relative or carer registered them — the
person's own confirmation (in the app, by answering OUI to the SMS, or by a call the agent
records). Only the commune's mairie staff, the person and the people they named (with a Vigie
account) may read it; anyone else gets 404, and every reading is written to the audit log.
The person's confirmation of an entry a relative made is in `backend.register.confirmation`;
episodes and the daily « Tout va bien ? » in `backend.register.episodes`; volunteers in
`backend.register.volunteers`.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from backend.audit import service as audit
from backend.auth.principal import Principal
from backend.auth.tables import User
from backend.communities.tables import Community, Membership, MembershipStatus
from backend.db import on_commit, write_transaction
from backend.delivery import service as delivery
from backend.lib import clock
from backend.lib.errors import Conflict, DomainError, Forbidden, NotFound
from backend.lib.phones import is_sms_capable, to_e164
from backend.lib.queues import Queues
from backend.lib.text import iso
from backend.register.schemas import (
    AgentIn, ContactIn, ContactOut, EntryOut, EntrySummary, PersonIn, RelativeIn, SelfIn,
)
from backend.register.tables import RegisterContact, RegisterEntry, VolunteerAssignment

CONFIRM_KIND = "register_confirm"  # to the person a relative registered: OUI / NON, push and SMS
CHANNELS = ("app", "sms", "call")
CONSENT_METHODS = ("ecrit", "oral", "telephone")
NOT_FOUND = ("Cette inscription n'existe pas ou ne vous concerne pas.", "register_entry_not_found")

ENTRY_COLUMNS = (
    RegisterEntry.all_columns(), RegisterEntry.community.name,
    RegisterEntry.registered_by.first_name, RegisterEntry.registered_by.last_name,
)


# Checks on what people key in ------------------------------------------------------------------

def clean(value: str, most: int, label: str, code: str, least: int = 0) -> str:
    value = " ".join(value.split())
    if not least <= len(value) <= most:
        raise DomainError(f"{label} : entre {least} et {most} caractères.", code)
    return value


def _phone(value: str, required: bool = False) -> str:
    value = value.strip()
    if not value:
        if required:
            raise DomainError("Indiquez un numéro de téléphone.", "phone_required")
        return ""
    e164 = to_e164(value)
    if e164 is None:
        raise DomainError(f"Numéro de téléphone invalide : {value}.", "invalid_phone")
    return e164


def _channel(channel: str, has_account: bool, phone: str) -> str:
    if channel not in CHANNELS:
        raise DomainError("Moyen de contact inconnu : app, sms ou call.", "invalid_channel")
    if channel in ("app", "sms") and not has_account:
        raise DomainError("Sans compte Vigie à ce numéro, choisissez l'appel téléphonique.", "channel_needs_account")
    if channel in ("sms", "call") and not phone:
        raise DomainError("Un numéro de téléphone est nécessaire pour ce moyen de contact.", "phone_required")
    if channel == "sms" and not is_sms_capable(phone):  # decided here, once: the fan-out reads users.phone_mobile
        raise DomainError("Ce numéro est un fixe : il ne reçoit pas de SMS. Choisissez l'appel ou l'application.",
                          "not_a_mobile")
    return channel


def _birth_year(year: int | None) -> int | None:
    if year is not None and not 1900 <= year <= clock.now().year:
        raise DomainError("Année de naissance invalide.", "invalid_birth_year")
    return year


async def _contacts(contacts: list[ContactIn]) -> list[dict[str, Any]]:
    """The named people, each linked to the verified member with that phone, if any (one query)."""
    if len(contacts) > 5:
        raise DomainError("Cinq personnes à prévenir au plus.", "too_many_contacts")
    rows = [{"name": clean(c.name, 120, "Le nom de la personne à prévenir", "invalid_contact", 2),
             "phone": _phone(c.phone, required=True), "relation": clean(c.relation, 60, "Le lien", "invalid_contact")}
            for c in contacts]
    accounts = await members_by_phone([r["phone"] for r in rows])
    for r in rows:
        r["user"] = accounts.get(r["phone"])
    return rows


async def members_by_phone(phones: list[str]) -> dict[str, int]:
    """phone → the verified, not suspended member with that number (one query)."""
    phones = [p for p in phones if p]
    if not phones:
        return {}
    rows = await Membership.select(Membership.user, Membership.user.phone).where(
        Membership.user.phone.is_in(phones) & (Membership.status == MembershipStatus.ACTIVE)
        & (Membership.user.is_suspended == False)).order_by(Membership.id)  # noqa: E712
    out: dict[str, int] = {}
    for r in rows:
        out.setdefault(r["user.phone"], r["user"])
    return out


async def _community(community_id: int) -> dict[str, Any]:
    row = await Community.select(Community.id, Community.commune, Community.name).where(
        Community.id == community_id).first()
    if row is None:
        raise NotFound("Ce quartier n'existe pas.", "community_not_found")
    return row


async def _open_entry_of(person: int | None) -> None:
    if person is None:
        return
    found = await RegisterEntry.count().where((RegisterEntry.person == person)
                                              & RegisterEntry.status.is_in(["pending", "active"]))
    if found:
        raise Conflict("Cette personne est déjà inscrite au registre.", "already_registered")


async def _insert(values: dict[str, Any], contacts: list[dict[str, Any]]) -> int:
    rows = await RegisterEntry.insert(RegisterEntry(**values, created_at=clock.now())).returning(RegisterEntry.id)
    entry_id = rows[0]["id"]
    if contacts:
        await RegisterContact.insert(*[RegisterContact(entry=entry_id, **c) for c in contacts])
    return entry_id


# Registering --------------------------------------------------------------------------------

async def register_self(principal: Principal, data: SelfIn) -> EntryOut:
    """The person registers themself in the app: active at once (their own consent)."""
    if not principal.is_active_member(data.community_id):
        raise Forbidden("Inscrivez-vous dans votre propre quartier.", "not_a_member")
    community = await _community(data.community_id)
    user = await User.select().where(User.id == principal.user_id).first()
    phone = _phone(data.phone or user["phone"])
    contacts = await _contacts(data.contacts)
    address = ", ".join(p for p in (user["address_line1"], user["address_line2"],
                                    f"{user['postal_code']} {user['city']}") if p)
    now = clock.now()
    async with write_transaction():
        await _open_entry_of(principal.user_id)
        entry_id = await _insert(dict(
            commune=community["commune"], community=community["id"], person=principal.user_id,
            first_name=user["first_name"], last_name=user["last_name"], birth_year=_birth_year(data.birth_year),
            address=address, phone=phone, health_notes=clean(data.health_notes, 1000, "Les notes de santé", "invalid_notes"),
            channel=_channel(data.channel, True, phone), source="self", status="active",
            registered_by=principal.user_id, consent_method="app", confirmed_at=now), contacts)
        await audit.record(principal.user_id, "register.create", f"register:{entry_id}", {"source": "self"},
                           commune_id=community["commune"])
    return await read_entry(principal, entry_id, audited=False)


async def _person_values(data: PersonIn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    community = await _community(data.community_id)
    phone = _phone(data.phone)
    person = (await members_by_phone([phone])).get(phone)
    values = dict(
        commune=community["commune"], community=community["id"], person=person,
        first_name=clean(data.first_name, 100, "Le prénom", "invalid_name", 1),
        last_name=clean(data.last_name, 100, "Le nom", "invalid_name", 1),
        birth_year=_birth_year(data.birth_year), address=clean(data.address, 300, "L'adresse", "invalid_address", 5),
        phone=phone, health_notes=clean(data.health_notes, 1000, "Les notes de santé", "invalid_notes"),
        channel=_channel(data.channel, person is not None, phone))
    return values, await _contacts(data.contacts)


async def register_relative(queues: Queues | None, principal: Principal, data: RelativeIn) -> EntryOut:
    """A relative or carer registers someone: pending until the person confirms (app, SMS OUI, or a
    call the agent records). The relative is named as someone to call. With the person's Vigie
    account (found by their phone), the request goes to them by push and SMS after the commit."""
    if not principal.active_community_ids:
        raise Forbidden("Seuls les membres vérifiés peuvent inscrire un proche.", "not_verified")
    values, contacts = await _person_values(data)
    if values["person"] == principal.user_id:
        raise DomainError("Pour vous inscrire vous-même, utilisez « M'inscrire ».", "use_self_registration")
    me = await User.select(User.phone).where(User.id == principal.user_id).first()
    if principal.user_id not in {c["user"] for c in contacts}:
        contacts.append({"name": principal.display_name, "phone": me["phone"] or "",
                         "relation": clean(data.relation, 60, "Le lien", "invalid_contact"), "user": principal.user_id})
    async with write_transaction():
        await _open_entry_of(values["person"])
        entry_id = await _insert(dict(values, source="relative", status="pending", registered_by=principal.user_id),
                                 contacts)
        await audit.record(principal.user_id, "register.create", f"register:{entry_id}", {"source": "relative"},
                           commune_id=values["commune"])
        if values["person"] is not None:
            await delivery.add_outbox(CONFIRM_KIND, entry_id)
            if queues is not None:
                on_commit(partial(delivery.dispatch, queues, CONFIRM_KIND, entry_id))
    return await read_entry(principal, entry_id, audited=False)


async def register_by_agent(principal: Principal, commune_id: int, data: AgentIn) -> EntryOut:
    """An agent keys in a paper form: active at once, the consent recorded (how, by whom)."""
    values, contacts = await _person_values(data)
    if values["commune"] != commune_id:
        raise NotFound("Ce quartier n'est pas dans votre commune.", "community_not_found")
    if data.consent.method not in CONSENT_METHODS:
        raise DomainError("Indiquez comment la personne a donné son accord : écrit, oral ou téléphone.",
                          "consent_required")
    async with write_transaction():
        await _open_entry_of(values["person"])
        entry_id = await _insert(dict(
            values, source="agent", status="active", registered_by=principal.user_id,
            consent_method=data.consent.method, consent_detail=clean(data.consent.detail, 300, "Le détail", "invalid_consent"),
            consent_recorded_by=principal.user_id, confirmed_at=clock.now()), contacts)
        await audit.record(principal.user_id, "register.create", f"register:{entry_id}",
                           {"source": "agent", "consent": data.consent.method}, commune_id=commune_id)
    return await read_entry(principal, entry_id, audited=False)


# Taking an entry off the register ------------------------------------------------------------

async def remove(principal: Principal, entry_id: int) -> None:
    """The person (or the commune's staff) takes the entry off the register; it is no longer asked."""
    row = await load_entry(entry_id)
    roles = await readers_or_404(principal, row)
    if not roles & {"person", "staff"}:
        raise Forbidden("Seuls la personne et la mairie peuvent retirer cette inscription.", "register_remove_forbidden")
    async with write_transaction():
        await RegisterEntry.update({RegisterEntry.status: "removed"}).where(RegisterEntry.id == entry_id)
        await VolunteerAssignment.update({VolunteerAssignment.active: False}).where(VolunteerAssignment.entry == entry_id)
        await audit.record(principal.user_id, "register.remove", f"register:{entry_id}", {}, commune_id=row["commune"])


# Reading --------------------------------------------------------------------------------------

async def load_entry(entry_id: int) -> dict[str, Any]:
    row = await RegisterEntry.select(*ENTRY_COLUMNS).where(RegisterEntry.id == entry_id).first()
    if row is None:
        raise NotFound(*NOT_FOUND)
    return row


async def readers_or_404(principal: Principal, row: dict[str, Any]) -> set[str]:
    """staff (of the entry's commune), person, contact — or 404 for anyone else."""
    roles = set()
    if principal.is_staff_of(row["commune"]):
        roles.add("staff")
    if row["person"] == principal.user_id:
        roles.add("person")
    if await RegisterContact.count().where((RegisterContact.entry == row["id"])
                                           & (RegisterContact.user == principal.user_id)):
        roles.add("contact")
    if not roles:
        raise NotFound(*NOT_FOUND)
    return roles


def texted_automatically(contact: dict[str, Any]) -> bool:
    """A named contact without an account, on a mobile: texted when the person does not answer."""
    return contact["user"] is None and is_sms_capable(contact["phone"])


def contact_out(rows: list[dict[str, Any]]) -> list[ContactOut]:
    return [ContactOut(name=c["name"], phone=c["phone"], relation=c["relation"], has_account=c["user"] is not None,
                       texted=texted_automatically(c), mobile=is_sms_capable(c["phone"])) for c in rows]


async def contacts_of(entry_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in entry_ids}
    if entry_ids:
        for c in await RegisterContact.select().where(RegisterContact.entry.is_in(entry_ids)).order_by(RegisterContact.id):
            out[c["entry"]].append(c)
    return out


async def volunteers_of(entry_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {i: [] for i in entry_ids}
    if entry_ids:
        rows = await VolunteerAssignment.select(
            VolunteerAssignment.entry, VolunteerAssignment.volunteer.first_name, VolunteerAssignment.volunteer.last_name,
        ).where(VolunteerAssignment.entry.is_in(entry_ids) & (VolunteerAssignment.active == True))  # noqa: E712
        for r in rows:
            out[r["entry"]].append(f"{r['volunteer.first_name']} {r['volunteer.last_name']}".strip())
    return out


def _entry_out(row: dict[str, Any], contacts: list[dict[str, Any]], volunteers: list[str]) -> EntryOut:
    return EntryOut(
        id=row["id"], commune_id=row["commune"], community_id=row["community"], community_name=row["community.name"],
        first_name=row["first_name"], last_name=row["last_name"], birth_year=row["birth_year"], address=row["address"],
        phone=row["phone"], health_notes=row["health_notes"], channel=row["channel"], source=row["source"],
        status=row["status"], has_account=row["person"] is not None, consent_method=row["consent_method"],
        consent_detail=row["consent_detail"], confirmed_at=iso(row["confirmed_at"]), created_at=iso(row["created_at"]) or "",
        registered_by=f"{row['registered_by.first_name']} {row['registered_by.last_name']}".strip(),
        contacts=contact_out(contacts), volunteers=volunteers)


async def read_entry(principal: Principal, entry_id: int, *, audited: bool = True) -> EntryOut:
    """One entry for the commune's staff, the person or a person they named (404 for anyone else);
    the reading is written to the audit log (`audited=False` only right after a write that was)."""
    row = await load_entry(entry_id)
    roles = await readers_or_404(principal, row)
    if audited:
        await audit.record(principal.user_id, "register.read", f"register:{entry_id}", {"as": sorted(roles)},
                           commune_id=row["commune"])
    return _entry_out(row, (await contacts_of([entry_id]))[entry_id], (await volunteers_of([entry_id]))[entry_id])


async def commune_register(principal: Principal, commune_id: int, status: str | None = None) -> list[EntryOut]:
    """The commune's register for its staff (every status, or one); the reading is audited."""
    query = RegisterEntry.select(*ENTRY_COLUMNS).where(RegisterEntry.commune == commune_id).order_by(
        RegisterEntry.last_name, RegisterEntry.first_name)
    if status:
        query = query.where(RegisterEntry.status == status)
    rows = await query
    ids = [r["id"] for r in rows]
    contacts, volunteers = await contacts_of(ids), await volunteers_of(ids)
    await audit.record(principal.user_id, "register.list", f"commune:{commune_id}", {"entries": len(rows)},
                       commune_id=commune_id)
    return [_entry_out(r, contacts[r["id"]], volunteers[r["id"]]) for r in rows]


def _summary(row: dict[str, Any]) -> EntrySummary:
    return EntrySummary(id=row["id"], first_name=row["first_name"], last_name=row["last_name"],
                        community_name=row["community.name"], status=row["status"], source=row["source"],
                        channel=row["channel"])


async def my_entries(user_id: int) -> tuple[list[EntrySummary], list[EntrySummary]]:
    """(the person's own entries, the entries that name them), not removed."""
    columns = (RegisterEntry.id, RegisterEntry.first_name, RegisterEntry.last_name, RegisterEntry.community.name,
               RegisterEntry.status, RegisterEntry.source, RegisterEntry.channel)
    mine = await RegisterEntry.select(*columns).where(
        (RegisterEntry.person == user_id) & RegisterEntry.status.is_in(["pending", "active"]))
    named = await RegisterContact.select(RegisterContact.entry).where(RegisterContact.user == user_id)
    ids = [r["entry"] for r in named]
    others = await RegisterEntry.select(*columns).where(
        RegisterEntry.id.is_in(ids) & RegisterEntry.status.is_in(["pending", "active"])) if ids else []
    return [_summary(r) for r in mine], [_summary(r) for r in others]


def parse_ids(raw: str) -> list[int]:
    return [int(x) for x in json.loads(raw or "[]")]
