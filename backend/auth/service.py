"""Accounts: login, passwords, roles and the account as its owner sees it (`me`).

Sign-up (an account with a pending membership and its letter) is verification's
(backend/verification/signup.py); the principal with its memberships is built by communities
(backend/communities/principals.py): auth knows neither."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets

import valkey.asyncio as avalkey
from valkey.exceptions import ValkeyError

from backend.audit import service as audit
from backend.auth.passwords import hash_password, verify_password
from backend.auth.principal import Principal
from backend.auth.schemas import Me
from backend.auth import sessions
from backend.auth.tables import User
from backend.lib import i18n, ratelimit
from backend.lib.phones import is_sms_capable, normalise_phone
from backend.lib.queues import Queues
from backend.lib.templates import render
from backend.lib.text import sort_name
from backend.lib.errors import DomainError, NotFound, Unauthorized
from backend.settings import Settings

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


def required_field(value: str, label: str, max_len: int) -> str:
    value = value.strip()
    if not value:
        raise DomainError(f"Le champ « {label} » est obligatoire.", "missing_field")
    if len(value) > max_len:
        raise DomainError(f"Le champ « {label} » est trop long ({max_len} caractères au plus).", "field_too_long")
    return value


RESET_SUBJECT = "Vigie : réinitialisation de votre mot de passe"
RESET_SUBJECT_EN = "Vigie: resetting your password"
async def send_account_mail(queues: Queues | None, to: str, subject: str, text: str) -> None:
    """Queue one account mail; a failure is logged, never shown: it would tell one sign-up from another."""
    try:
        if queues is not None:
            await queues.enqueue("email", "send_transactional_email", to=to, subject=subject, text=text)
    except Exception as exc:  # Valkey down: the account is there, only the courtesy mail is lost
        log.warning("account mail not queued: %r", exc)


class AccountSuspended(DomainError):
    """Right credentials, suspended account (by the moderators, or its owner asked for its deletion)."""

    def __init__(self, user_id: int) -> None:
        super().__init__("Ce compte est suspendu. Contactez la modération.", "account_suspended", 403)
        self.user_id = user_id


async def authenticate(email: str, password: str) -> int:
    """The user id for these credentials, or Unauthorized (same message whether the email exists or not)."""
    row = await User.select(User.id, User.password_hash, User.is_suspended).where(
        User.email == email.strip().lower()
    ).first()
    ok = await verify_password(row["password_hash"] if row else None, password)
    if not ok or row is None:
        raise Unauthorized("Adresse e-mail ou mot de passe incorrect.", "bad_credentials")
    if row["is_suspended"]:
        raise AccountSuspended(row["id"])
    return row["id"]


async def me(principal: Principal) -> Me:
    user = await User.select().where(User.id == principal.user_id).first()
    if user is None:
        raise NotFound()
    return Me(
        id=user["id"], first_name=user["first_name"], last_name=user["last_name"], email=user["email"],
        phone=user["phone"], address_line1=user["address_line1"], address_line2=user["address_line2"],
        postal_code=user["postal_code"], city=user["city"], country=user["country"], locale=user["locale"],
        is_moderator=user["is_moderator"], is_admin=user["is_admin"],
        mairie_communes=list(principal.mairie_communes), memberships=list(principal.memberships),
    )


async def change_password(cache: avalkey.Valkey | None, user_id: int, current: str, new: str, keep_token: str) -> None:
    row = await User.select(User.password_hash).where(User.id == user_id).first()
    if row is None or not await verify_password(row["password_hash"], current):
        raise DomainError("Le mot de passe actuel est incorrect.", "bad_current_password")
    check_password(new)
    await User.update({User.password_hash: await hash_password(new)}).where(User.id == user_id)
    await sessions.delete_user_sessions(cache, user_id, keep_token=keep_token)


async def set_locale(cache: avalkey.Valkey | None, user_id: int, locale: str) -> None:
    """The language the member reads (PWA, API errors, notifications, letters): "fr" or "en"."""
    if locale not in i18n.LOCALES:
        raise DomainError("Langue inconnue : fr ou en.", "invalid_locale")
    await User.update({User.locale: locale}).where(User.id == user_id)
    await sessions.invalidate_principal(cache, user_id)


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
    locale = i18n.supported(user["locale"])
    text = render("email/password_reset.txt", locale, first_name=user["first_name"],
                  link=f"{settings.base_url}/#/reinitialiser?token={token}")
    subject = RESET_SUBJECT_EN if locale == "en" else RESET_SUBJECT
    await queues.enqueue("email", "send_transactional_email", to=user["email"], subject=subject, text=text)


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


async def update_identity(cache: avalkey.Valkey | None, user_id: int, first_name: str, last_name: str,
                          phone: str) -> str:
    """Correct the name and phone of the account (« Mes données »); returns the phone as stored (E.164)."""
    values = {User.first_name: required_field(first_name, "Prénom", 100),
              User.last_name: required_field(last_name, "Nom", 100)}
    row = await User.select(User.country).where(User.id == user_id).first()
    if row is None:
        raise NotFound("Cet utilisateur n'existe pas.", "user_not_found")
    values[User.phone] = normalise_phone(required_field(phone, "Téléphone", 40), row["country"] or "FR")
    values[User.phone_mobile] = is_sms_capable(values[User.phone])  # read by the fan-out, never parsed there
    values[User.sort_name] = sort_name(values[User.first_name], values[User.last_name])
    await User.update(values).where(User.id == user_id)
    await sessions.invalidate_principal(cache, user_id)
    return values[User.phone]


async def set_name(cache: avalkey.Valkey | None, user_id: int, first_name: str, last_name: str) -> None:
    """The name others see, as it is given (the privacy domain's « Membre parti » and its return)."""
    await User.update({User.first_name: first_name, User.last_name: last_name,
                       User.sort_name: sort_name(first_name, last_name)}).where(User.id == user_id)
    await sessions.invalidate_principal(cache, user_id)


async def set_suspended(cache: avalkey.Valkey | None, user_id: int, value: bool) -> None:
    """Disable or enable the account: a suspended person cannot log in and is left out of every
    audience (fan-out, directory, messages). The caller closes their sessions."""
    await User.update({User.is_suspended: value}).where(User.id == user_id)
    await sessions.invalidate_principal(cache, user_id)


async def set_moderator(user_id: int, value: bool = True, actor_id: int | None = None) -> None:
    """Grant or withdraw the moderator role; audited (actor None: the command line)."""
    updated = await User.update({User.is_moderator: value}).where(User.id == user_id).returning(User.id)
    if not updated:
        raise NotFound("Cet utilisateur n'existe pas.", "user_not_found")
    await audit.record(actor_id, "role.moderator", f"user:{user_id}", {"value": value})
