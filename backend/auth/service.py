"""Accounts: sign-up, login, password changes and who-is-who (principal)."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from typing import Awaitable, Callable

import valkey.asyncio as avalkey
from valkey.exceptions import ValkeyError

from backend.audit import service as audit
from backend.auth.passwords import hash_password, verify_password
from backend.auth.principal import CommuneRef, MembershipInfo, Principal
from backend.auth.schemas import CommuneRefOut, Me, MembershipOut, SignupIn
from backend.auth import sessions
from backend.auth.tables import User
from backend.communities import service as communities
from backend.communities.perimeter import require_inside
from backend.db import write_transaction
from backend.lib import ratelimit
from backend.lib.phones import is_sms_capable, normalise_phone
from backend.lib.queues import Queues
from backend.lib.templates import render
from backend.lib.errors import DomainError, NotFound, Unauthorized
from backend.settings import Settings
from backend.verification import service as verification

log = logging.getLogger(__name__)

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 254 or not EMAIL.match(email):
        raise DomainError("Adresse e-mail invalide.", "invalid_email")
    return email


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError(f"Le mot de passe doit contenir au moins {MIN_PASSWORD} caractères.", "weak_password")
    if len(password) > 256:
        raise DomainError("Le mot de passe est trop long (256 caractères au plus).", "weak_password")


def _required(value: str, label: str, max_len: int) -> str:
    value = value.strip()
    if not value:
        raise DomainError(f"Le champ « {label} » est obligatoire.", "missing_field")
    if len(value) > max_len:
        raise DomainError(f"Le champ « {label} » est trop long ({max_len} caractères au plus).", "field_too_long")
    return value


SIGNUP_RECEIVED = ("Inscription reçue. Consultez votre boîte mail : nous vous avons écrit. Votre code "
                   "d'activation arrive par courrier postal à l'adresse indiquée.")
"""The one answer to every accepted sign-up, new e-mail or not: it must not tell who has an account."""
RESET_SUBJECT = "Vigie : réinitialisation de votre mot de passe"
SIGNUP_NOTICES_PER_HOUR = 3
"""« Someone tried to sign up with your address » mails one account may get per hour."""

start_channels: Callable[[int, bool], Awaitable[None]] | None = None
"""Set by the delivery domain (which depends on this one): called in the sign-up's transaction with
(user id, SMS on?) to store the new account's channel preferences."""


async def _send_account_mail(queues: Queues | None, to: str, subject: str, text: str) -> None:
    """Queue one account mail; a failure is logged, never shown: it would tell one sign-up from another."""
    try:
        if queues is not None:
            await queues.enqueue("email", "send_transactional_email", to=to, subject=subject, text=text)
    except Exception as exc:  # Valkey down: the account is there, only the courtesy mail is lost
        log.warning("account mail not queued: %r", exc)


async def _notify_existing_owner(settings: Settings, queues: Queues | None, cache: avalkey.Valkey | None,
                                 user: dict) -> None:
    """Tell the owner of an e-mail that someone tried to sign up with it (a few times an hour at most)."""
    if cache is not None:
        key = f"signup-notice:{user['id']}"
        if (await ratelimit.is_over(cache, key, SIGNUP_NOTICES_PER_HOUR))[0]:
            return
        await ratelimit.enforce_after(cache, key, SIGNUP_NOTICES_PER_HOUR, 3600)
    await _send_account_mail(queues, user["email"], "Vigie : tentative d'inscription avec votre adresse", (
        f"Bonjour {user['first_name']},\n\nQuelqu'un a essayé de créer un compte Vigie avec votre adresse e-mail. "
        "Vous avez déjà un compte : aucun autre n'a été créé et le vôtre n'a pas changé.\n\n"
        f"Si c'était vous, connectez-vous : {settings.base_url}/#/connexion\n"
        f"Mot de passe oublié ? {settings.base_url}/#/mot-de-passe-oublie\n\n"
        "Si ce n'était pas vous, vous n'avez rien à faire.\n\nL'équipe Vigie"))


async def signup(settings: Settings, data: SignupIn, queues: Queues | None = None,
                 cache: avalkey.Valkey | None = None) -> int | None:
    """Create the account, a pending membership and its activation letter; return the user id.

    An e-mail that already has an account creates nothing and returns None: its owner gets a mail
    instead, and the caller answers exactly as for a new account (the password is hashed anyway,
    so the time taken tells nothing either). A new account gets a welcome mail.
    """
    country = data.country.strip().upper()
    if country not in ("FR", "BE"):
        raise DomainError("Vigie est disponible en France et en Belgique.", "invalid_country")
    postal = data.postal_code.strip()
    if not re.fullmatch(r"\d{5}" if country == "FR" else r"\d{4}", postal):
        raise DomainError("Code postal invalide.", "invalid_postal_code")
    values = dict(
        first_name=_required(data.first_name, "Prénom", 100),
        last_name=_required(data.last_name, "Nom", 100),
        email=normalise_email(data.email),
        phone=normalise_phone(data.phone, country),
        address_line1=_required(data.address_line1, "Adresse", 200),
        address_line2=data.address_line2.strip()[:200],
        postal_code=postal,
        city=_required(data.city, "Ville", 100),
        country=country,
        locale="en" if data.locale == "en" else "fr",
    )
    check_password(data.password)
    community = await communities.require_community(data.community_id)
    await require_inside(data.community_id, values["address_line1"], postal, city=values["city"])  # commune, streets
    password_hash = await hash_password(data.password)
    owner = await User.select(User.id, User.first_name, User.email).where(User.email == values["email"]).first()
    if owner is None:
        try:
            async with write_transaction():
                rows = await User.insert(User(**values, password_hash=password_hash)).returning(User.id)
                user_id = rows[0]["id"]
                membership_id = await communities.add_membership(user_id, data.community_id, active=False)
                if start_channels is not None:  # SMS on from the start when the number is a mobile we can text
                    await start_channels(user_id, data.sms and is_sms_capable(values["phone"]))
                letter_id = await verification.create_letter(user_id, membership_id, community["name"], settings)
        except Exception as exc:  # the same e-mail signing up twice at once: the unique index lets one in
            owner = await User.select(User.id, User.first_name, User.email).where(
                User.email == values["email"]).first()
            if owner is None or "unique" not in str(exc).lower():
                raise
    if owner is not None:
        # a new account at this address would meet the per-address letter limit: so must this answer
        await verification.check_letter_limits(settings, 0, verification.address_key(values["address_line1"], postal))
        await _notify_existing_owner(settings, queues, cache, owner)
        return None
    await verification.preview_to_outbox(settings, letter_id)
    await _send_account_mail(queues, values["email"], "Vigie : votre inscription", (
        f"Bonjour {values['first_name']},\n\nVotre compte Vigie est créé. Pour vérifier que vous habitez bien "
        f"le quartier {community['name']}, nous vous envoyons par la poste un courrier avec votre code d'activation, "
        f"à l'adresse : {values['address_line1']}, {values['postal_code']} {values['city']}.\n\n"
        f"À sa réception, connectez-vous sur {settings.base_url}/#/connexion et saisissez le code.\n\n"
        "Si vous n'avez pas créé ce compte, choisissez un nouveau mot de passe "
        f"({settings.base_url}/#/mot-de-passe-oublie) puis prévenez la modération.\n\nL'équipe Vigie"))
    return user_id


async def authenticate(email: str, password: str) -> int:
    """The user id for these credentials, or Unauthorized (same message whether the email exists or not)."""
    row = await User.select(User.id, User.password_hash, User.is_suspended).where(
        User.email == email.strip().lower()
    ).first()
    ok = await verify_password(row["password_hash"] if row else None, password)
    if not ok or row is None:
        raise Unauthorized("Adresse e-mail ou mot de passe incorrect.", "bad_credentials")
    if row["is_suspended"]:
        raise DomainError("Ce compte est suspendu. Contactez la modération.", "account_suspended", 403)
    return row["id"]


async def load_principal(user_id: int) -> Principal | None:
    """Identity and roles of a user, from the database."""
    user = await User.select(
        User.id, User.first_name, User.last_name, User.email, User.is_moderator, User.is_admin,
        User.is_suspended, User.address_verified,
    ).where(User.id == user_id).first()
    if user is None:
        return None
    ms = await communities.memberships_of(user_id)
    staff = await communities.staff_communes_of(user_id)
    return Principal(
        user_id=user["id"], first_name=user["first_name"], last_name=user["last_name"], email=user["email"],
        is_moderator=user["is_moderator"], is_admin=user["is_admin"], is_suspended=user["is_suspended"],
        address_verified=user["address_verified"],
        mairie_communes=tuple(CommuneRef(id=s["commune.id"], name=s["commune.name"]) for s in staff),
        memberships=tuple(
            MembershipInfo(
                community_id=m["community.id"], community_name=m["community.name"],
                commune_id=m["community.commune.id"], commune_name=m["community.commune.name"],
                status=m["status"], role=m["role"],
            )
            for m in ms
        ),
    )


async def me(principal: Principal) -> Me:
    user = await User.select().where(User.id == principal.user_id).first()
    if user is None:
        raise NotFound()
    return Me(
        id=user["id"], first_name=user["first_name"], last_name=user["last_name"], email=user["email"],
        phone=user["phone"], address_line1=user["address_line1"], address_line2=user["address_line2"],
        postal_code=user["postal_code"], city=user["city"], country=user["country"], locale=user["locale"],
        is_moderator=user["is_moderator"], is_admin=user["is_admin"],
        mairie_communes=[CommuneRefOut(id=c.id, name=c.name) for c in principal.mairie_communes],
        memberships=[MembershipOut(**{f: getattr(m, f) for f in MembershipOut.__struct_fields__})
                     for m in principal.memberships],
    )


async def change_password(cache: avalkey.Valkey | None, user_id: int, current: str, new: str, keep_token: str) -> None:
    row = await User.select(User.password_hash).where(User.id == user_id).first()
    if row is None or not await verify_password(row["password_hash"], current):
        raise DomainError("Le mot de passe actuel est incorrect.", "bad_current_password")
    check_password(new)
    await User.update({User.password_hash: await hash_password(new)}).where(User.id == user_id)
    await sessions.delete_user_sessions(cache, user_id, keep_token=keep_token)


RESET_TTL = 3600


async def start_password_reset(cache: avalkey.Valkey, email: str, per_hour: int = 3) -> tuple[dict, str] | None:
    """A reset token for the account with this email, or None when there is none or when it already
    had `per_hour` links this hour (the caller answers the same). A new link voids the older one."""
    try:
        email = normalise_email(email)
    except DomainError:
        return None
    user = await User.select(User.id, User.first_name, User.email, User.locale).where(User.email == email).first()
    if user is None:
        return None
    limit_key = f"pwreset-user:{user['id']}"
    if (await ratelimit.is_over(cache, limit_key, per_hour))[0]:
        return None
    await ratelimit.enforce_after(cache, limit_key, per_hour, 3600)
    token = secrets.token_urlsafe(32)
    digest = hashlib.sha256(token.encode()).hexdigest()
    await cache.set(f"pwreset:{digest}", user["id"], ex=RESET_TTL)
    older = await cache.set(f"pwreset-current:{user['id']}", digest, ex=RESET_TTL, get=True)
    if older and older.decode() != digest:
        await cache.delete(f"pwreset:{older.decode()}")
    return user, token


async def request_password_reset(settings: Settings, queues: Queues, cache: avalkey.Valkey, email: str) -> None:
    """Mail a reset link (backend/templates/email/password_reset.txt) to the account with this e-mail,
    if there is one and it is under its hourly number of links; the caller answers the same either way."""
    found = await start_password_reset(cache, email, settings.password_resets_per_hour)
    if found is None:
        return
    user, token = found
    text = render("email/password_reset.txt", first_name=user["first_name"],
                  link=f"{settings.base_url}/#/reinitialiser?token={token}")
    await queues.enqueue("email", "send_transactional_email", to=user["email"], subject=RESET_SUBJECT, text=text)


async def finish_password_reset(cache: avalkey.Valkey, token: str, new_password: str) -> int:
    check_password(new_password)
    key = f"pwreset:{hashlib.sha256(token.encode()).hexdigest()}"
    try:
        user_id = await cache.getdel(key)
    except (ValkeyError, OSError):
        raise DomainError("Service momentanément indisponible, réessayez dans un instant.", "unavailable", 503)
    if user_id is None:
        raise DomainError("Ce lien de réinitialisation est invalide ou a expiré. Faites une nouvelle demande.",
                          "invalid_reset_token")
    uid = int(user_id)
    await cache.delete(f"pwreset-current:{uid}")
    await User.update({User.password_hash: await hash_password(new_password)}).where(User.id == uid)
    await sessions.delete_user_sessions(cache, uid)
    return uid


async def set_moderator(user_id: int, value: bool = True, actor_id: int | None = None) -> None:
    """Grant or withdraw the moderator role; audited (actor None: the command line)."""
    updated = await User.update({User.is_moderator: value}).where(User.id == user_id).returning(User.id)
    if not updated:
        raise NotFound("Cet utilisateur n'existe pas.", "user_not_found")
    await audit.record(actor_id, "role.moderator", f"user:{user_id}", {"value": value})


async def join_community(settings: Settings, principal: Principal, community_id: int) -> str:
    """Ask to join another community whose perimeter holds the member's address: active at once if
    the address is verified, else pending its letter (letter limits apply). Elsewhere: refused."""
    community = await communities.require_community(community_id)
    await communities.ensure_not_member(principal.user_id, community_id)
    address = await User.select(User.address_line1, User.postal_code, User.city).where(
        User.id == principal.user_id).first()
    await require_inside(community_id, address["address_line1"], address["postal_code"],
                         verified=principal.address_verified, city=address["city"])
    await communities.ensure_room(principal.user_id, settings.max_communities_per_person)
    verified = principal.address_verified
    async with write_transaction():
        membership_id = await communities.add_membership(principal.user_id, community_id, active=verified)
        letter_id = None if verified else await verification.create_letter(
            principal.user_id, membership_id, community["name"], settings)
    if letter_id is not None:
        await verification.preview_to_outbox(settings, letter_id)
    return "active" if verified else "pending"
