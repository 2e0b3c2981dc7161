"""« Mairie vigilante et solidaire »: a mairie applies without an account (its commune picked from
the official list by its INSEE code, its contact, its agents); an admin approves or refuses with a
reason. An application never creates a commune row: the approval opens the commune on Vigie from
the official list when it is not there yet (`communities.service.create_commune`, as the admins'
« ouvrir une commune »), then each agent becomes staff of the commune — a new account gets an
invitation link (signed, expiring, single use) to choose a password — and the commune is marked as
taking part (`Commune.mairie_joined_at`)."""

from __future__ import annotations

import hashlib
import json
from functools import partial
from typing import Any, Mapping

from backend.audit import service as audit
from backend.auth import service as auth_service
from backend.auth import sessions
from backend.auth.passwords import hash_password
from backend.auth.tables import User
from backend.communities import official
from backend.communities import service as communities
from backend.communities.schemas import CommuneCreate
from backend.communities.tables import COUNTRIES, Commune, MairieStaff, OfficialCommune
from backend.db import on_commit, write_transaction
from backend.lib import clock, ratelimit, signed
from backend.lib.errors import Conflict, DomainError, NotFound
from backend.lib.i18n import day_in_words, phrasebook, supported
from backend.lib.phones import normalise_phone
from backend.lib.templates import render
from backend.lib.text import sort_name
from backend.partnership.schemas import (
    AgentIn, ApplicationIn, ApplicationOut, ApplicationReceipt, InvitationOut,
)
from backend.partnership.tables import ApplicationStatus, MairieApplication

INVITATION = "mairie-invitation"
MAX_AGENTS = 10
UNUSABLE_PASSWORD = "!invited"  # not an argon2 hash: no password opens the account before the invitation


def optional_text(value: str, label: str, max_len: int) -> str:
    """An optional field, trimmed; too long: 400 (the required ones: auth.service.required_field)."""
    value = value.strip()
    if len(value) > max_len:
        raise DomainError(f"Le champ « {label} » est trop long ({max_len} caractères au plus).", "field_too_long")
    return value


def _agents(agents: list[AgentIn]) -> list[dict[str, str]]:
    if not agents:
        raise DomainError("Indiquez au moins un agent de la mairie.", "missing_agents")
    if len(agents) > MAX_AGENTS:
        raise DomainError(f"{MAX_AGENTS} agents au plus par demande.", "too_many_agents")
    out: list[dict[str, str]] = []
    for agent in agents:
        email = auth_service.normalise_email(agent.email)
        if any(a["email"] == email for a in out):
            raise DomainError(f"L'adresse {email} est indiquée deux fois.", "duplicate_agent")
        out.append({"first_name": auth_service.required_field(agent.first_name, "prénom de l'agent", 100),
                    "last_name": auth_service.required_field(agent.last_name, "nom de l'agent", 100), "email": email})
    return out


# The subjects of the e-mails, in the recipient's language (the texts: templates/email/[en/]mairie_*.txt).
SUBJECTS = {
    "fr": {
        "received": "Vigie : votre demande « Mairie vigilante et solidaire » est reçue",
        "invitation": "Vigie : votre compte d'agent de la mairie de {commune}",
        "staff_added": "Vigie : vous êtes agent de la mairie de {commune}",
        "approved": "Vigie : la mairie de {commune} rejoint Vigie",
        "refused": "Vigie : votre demande pour la mairie de {commune}",
    },
    "en": {
        "received": "Vigie: your « Mairie vigilante et solidaire » application is received",
        "invitation": "Vigie: your staff account for the {commune} town hall",
        "staff_added": "Vigie: you are now staff of the {commune} town hall",
        "approved": "Vigie: the {commune} town hall joins Vigie",
        "refused": "Vigie: your application for the {commune} town hall",
    },
}


async def submit(res: Mapping[str, Any], data: ApplicationIn, client: str, locale: str = "fr") -> ApplicationReceipt:
    """Record an application (public); the contact gets an e-mail saying it was received, in `locale`
    (the form's language), as every later e-mail to them."""
    settings = res["settings"]
    limit = ratelimit.CreationLimit(
        res["valkey"], f"mairie-application:{client}", settings.mairie_applications_per_hour, 3600,
        "Trop de demandes envoyées depuis cette connexion. Réessayez dans {minutes} min.", "applications_rate_limited")
    await limit.check()
    values = dict(
        contact_name=auth_service.required_field(data.contact_name, "nom du contact", 120),
        contact_role=auth_service.required_field(data.contact_role, "fonction du contact", 120),
        contact_email=auth_service.normalise_email(data.contact_email),
        contact_phone=normalise_phone(data.contact_phone, official.check_country(data.country) or "FR"),
        message=optional_text(data.message, "message", 2000),
        locale=supported(locale),
    )
    agents = _agents(data.agents)
    found = await official.official_commune(data.insee_code, data.country)  # 400 invalid/unknown insee or nis
    commune = await Commune.select(Commune.id, Commune.mairie_joined_at).where(
        (Commune.country == found.country) & (Commune.insee_code == found.insee_code)).first()
    if commune is not None and (commune["mairie_joined_at"] is not None or await MairieStaff.exists().where(
            MairieStaff.commune == commune["id"])):
        raise Conflict(f"La mairie de {found.name} participe déjà à Vigie.", "already_joined")
    async with write_transaction():
        if await MairieApplication.exists().where((MairieApplication.country == found.country)
                                                  & (MairieApplication.insee_code == found.insee_code)
                                                  & (MairieApplication.status == ApplicationStatus.PENDING)):
            raise Conflict(f"Une demande pour {found.name} est déjà en cours d'examen.", "application_pending")
        rows = await MairieApplication.insert(MairieApplication(
            country=found.country, insee_code=found.insee_code, commune=commune["id"] if commune else None,
            agents=json.dumps(agents),
            **values)).returning(MairieApplication.id)
        text = render("email/mairie_application_received.txt", values["locale"], contact=values["contact_name"],
                      commune=found.name, agents=agents)
        on_commit(partial(auth_service.send_account_mail, res["queues"], values["contact_email"],
                          phrasebook(SUBJECTS, values["locale"])("received"), text))
    await limit.count()
    return ApplicationReceipt(id=rows[0]["id"], commune_name=found.name, status=ApplicationStatus.PENDING)


_COLUMNS = (MairieApplication.all_columns(), MairieApplication.commune.name, MairieApplication.commune.insee_code,
            MairieApplication.commune.mairie_joined_at)


async def _named(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with `name` and `code`: its Vigie commune's, or (not opened on Vigie yet) the official list's
    — one query for all the rows."""
    codes = [r["insee_code"] for r in rows if r["commune"] is None]
    names = {(o["country"], o["insee_code"]): o["name"] for o in await OfficialCommune.select(
        OfficialCommune.country, OfficialCommune.insee_code, OfficialCommune.name).where(
        OfficialCommune.insee_code.is_in(codes))} if codes else {}
    return [{**r, "name": r["commune.name"] if r["commune"] is not None else names.get((r["country"], r["insee_code"]), ""),
             "code": r["commune.insee_code"] if r["commune"] is not None else r["insee_code"]} for r in rows]


def _out(r: dict[str, Any]) -> ApplicationOut:
    joined = r["commune.mairie_joined_at"]
    return ApplicationOut(
        id=r["id"], commune_id=r["commune"], commune_name=r["name"], insee_code=r["code"],
        country=r["country"], country_name=COUNTRIES.get(r["country"], ""),
        contact_name=r["contact_name"], contact_role=r["contact_role"], contact_email=r["contact_email"],
        contact_phone=r["contact_phone"], agents=[AgentIn(**a) for a in json.loads(r["agents"])],
        message=r["message"], status=r["status"], reason=r["reason"], created_at=r["created_at"].isoformat(),
        decided_at=r["decided_at"].isoformat() if r["decided_at"] else None,
        commune_joined_at=joined.isoformat() if joined else None)


async def list_applications(status: str | None = None) -> list[ApplicationOut]:
    """Applications for the admins, newest first (pending ones first when no status is asked)."""
    if status not in (None, "", *vars(ApplicationStatus).values()):
        raise DomainError("Statut inconnu : pending, approved ou refused.", "invalid_application_status")
    query = MairieApplication.select(*_COLUMNS).order_by(MairieApplication.id, ascending=False).limit(500)
    if status:
        query = query.where(MairieApplication.status == status)
    rows = await _named(await query)
    return sorted((_out(r) for r in rows), key=lambda a: a.status != ApplicationStatus.PENDING)


async def _one(application_id: int) -> dict[str, Any]:
    row = await MairieApplication.select(*_COLUMNS).where(MairieApplication.id == application_id).first()
    if row is None:
        raise NotFound("Cette demande n'existe pas.", "application_not_found")
    return (await _named([row]))[0]


async def _pending(application_id: int) -> dict[str, Any]:
    row = await _one(application_id)
    if row["status"] != ApplicationStatus.PENDING:
        raise Conflict("Cette demande a déjà été traitée.", "application_decided")
    return row


async def _open_commune(row: dict[str, Any]) -> tuple[int, str]:
    """The application's Vigie commune (id, name): opened from the official list when not on Vigie yet,
    by the communes service the admins' « ouvrir une commune » uses."""
    if row["commune"] is not None:
        return row["commune"], row["name"]
    existing = await Commune.select(Commune.id, Commune.name).where(
        (Commune.country == row["country"]) & (Commune.insee_code == row["insee_code"])).first()
    if existing is None:  # opened meanwhile by an admin: used as it is
        created = await communities.create_commune(CommuneCreate(insee_code=row["insee_code"], country=row["country"]))
        existing = {"id": created.id, "name": created.name}
    await MairieApplication.update({MairieApplication.commune: existing["id"]}).where(
        MairieApplication.id == row["id"])
    return existing["id"], existing["name"]


def _fingerprint(password_hash: str) -> str:
    """Changes when the password is set: an invitation link works once."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def invitation_token(secret_key: str, user_id: int, password_hash: str) -> str:
    return signed.sign(secret_key, INVITATION, {"u": user_id, "h": _fingerprint(password_hash)})


async def approve(res: Mapping[str, Any], actor_id: int, application_id: int) -> ApplicationOut:
    """Approve (admin): agents become staff of the commune (new accounts invited by e-mail), the
    commune is marked as taking part, the contact is told."""
    settings = res["settings"]
    await _pending(application_id)
    now = clock.now()
    async with write_transaction():
        row = await _pending(application_id)  # read again under the write lock: decided meanwhile by another admin
        agents = json.loads(row["agents"])
        commune_id, commune_name = await _open_commune(row)
        existing = {u["email"]: u for u in await User.select(User.id, User.email, User.password_hash, User.locale).where(
            User.email.is_in([a["email"] for a in agents]))}
        mails: list[tuple[str, str, str]] = []
        appointed: list[int] = []
        for agent in agents:
            user = existing.get(agent["email"])
            if user is None:
                created = await User.insert(User(
                    email=agent["email"], password_hash=UNUSABLE_PASSWORD, first_name=agent["first_name"],
                    last_name=agent["last_name"], sort_name=sort_name(agent["first_name"], agent["last_name"]),
                    phone="", address_line1="", postal_code="", city=commune_name,
                    locale=row["locale"],  # a new agent reads the application's language until they choose
                )).returning(User.id)
                token = invitation_token(settings.secret_key, created[0]["id"], UNUSABLE_PASSWORD)
                text = render("email/mairie_invitation.txt", row["locale"], first_name=agent["first_name"],
                              commune=commune_name, link=f"{settings.base_url}/#/invitation?jeton={token}",
                              days=settings.mairie_invitation_days)
                mails.append((agent["email"], phrasebook(SUBJECTS, row["locale"])("invitation", commune=commune_name),
                              text))
                user_id = created[0]["id"]
            else:
                user_id = user["id"]
                text = render("email/mairie_staff_added.txt", supported(user["locale"]), first_name=agent["first_name"],
                              commune=commune_name, link=f"{settings.base_url}/#/mairie")
                mails.append((agent["email"], phrasebook(SUBJECTS, user["locale"])("staff_added", commune=commune_name),
                              text))
                appointed.append(user_id)
            await communities.appoint_staff(commune_id, user_id, actor_id)
        joined = await communities.mark_mairie_joined(commune_id, now)
        await MairieApplication.update({MairieApplication.status: ApplicationStatus.APPROVED,
                                        MairieApplication.decided_by: actor_id,
                                        MairieApplication.decided_at: now}).where(
            MairieApplication.id == application_id)
        await audit.record(actor_id, "mairie_application.approve", f"application:{application_id}",
                           {"agents": [a["email"] for a in agents]}, commune_id=commune_id)
        text = render("email/mairie_application_approved.txt", row["locale"], contact=row["contact_name"],
                      commune=commune_name, agents=agents, joined=day_in_words(joined, row["locale"]))
        mails.append((row["contact_email"], phrasebook(SUBJECTS, row["locale"])("approved", commune=commune_name), text))
        for to, subject, body in mails:
            on_commit(partial(auth_service.send_account_mail, res["queues"], to, subject, body))
        for user_id in appointed:  # their session's principal now holds the commune
            on_commit(partial(sessions.invalidate_principal, res["valkey"], user_id))
    return _out(await _one(application_id))


async def refuse(res: Mapping[str, Any], actor_id: int, application_id: int, reason: str) -> ApplicationOut:
    """Refuse (admin) with a reason, e-mailed to the contact."""
    reason = auth_service.required_field(reason, "motif du refus", 1000)
    row = await _pending(application_id)
    async with write_transaction():
        await _pending(application_id)
        await MairieApplication.update({MairieApplication.status: ApplicationStatus.REFUSED,
                                        MairieApplication.reason: reason, MairieApplication.decided_by: actor_id,
                                        MairieApplication.decided_at: clock.now()}).where(
            MairieApplication.id == application_id)
        await audit.record(actor_id, "mairie_application.refuse", f"application:{application_id}",
                           {"reason": reason}, commune_id=row["commune"])
        text = render("email/mairie_application_refused.txt", row["locale"], contact=row["contact_name"],
                      commune=row["name"], reason=reason)
        on_commit(partial(auth_service.send_account_mail, res["queues"], row["contact_email"],
                          phrasebook(SUBJECTS, row["locale"])("refused", commune=row["name"]), text))
    return _out(await _one(application_id))


async def _invited(settings: Any, token: str) -> dict[str, Any]:
    payload = signed.unsign(settings.secret_key, INVITATION, token, settings.mairie_invitation_days * 86400)
    user = await User.select(User.id, User.first_name, User.email, User.password_hash).where(
        User.id == payload.get("u")).first()
    if user is None or _fingerprint(user["password_hash"]) != payload.get("h"):
        raise DomainError("Ce lien a déjà servi : connectez-vous avec votre mot de passe "
                          "(ou « Mot de passe oublié »).", "invitation_used", 410)
    return user


async def invitation(settings: Any, token: str) -> InvitationOut:
    """Who an invitation is for (before they choose a password)."""
    user = await _invited(settings, token)
    return InvitationOut(first_name=user["first_name"], email=user["email"], commune_name=await _commune_of(user["id"]))


async def _commune_of(user_id: int) -> str:
    row = await MairieStaff.select(MairieStaff.commune.name).where(MairieStaff.user == user_id).first()
    return row["commune.name"] if row else ""


async def accept_invitation(settings: Any, valkey: Any, token: str, password: str) -> InvitationOut:
    """The invited agent chooses their password; the link then no longer works."""
    user = await _invited(settings, token)
    auth_service.check_password(password)
    new_hash = await hash_password(password)  # before the write lock: argon2 takes tens of ms
    async with write_transaction():
        updated = await User.update({User.password_hash: new_hash}).where(
            (User.id == user["id"]) & (User.password_hash == user["password_hash"])).returning(User.id)
        if not updated:
            raise DomainError("Ce lien a déjà servi.", "invitation_used", 410)
        await audit.record(user["id"], "mairie_invitation.accept", f"user:{user['id']}", {})
    await sessions.delete_user_sessions(valkey, user["id"])
    return InvitationOut(first_name=user["first_name"], email=user["email"], commune_name=await _commune_of(user["id"]))
