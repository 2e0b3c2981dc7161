"""People's rights over their data (RGPD): export, account deletion with an undo period, retention.

The privacy domain sits above every other (tests/test_dependencies.py, layer « rights »): it
knows no table by name. Each domain declares in its `domain.py` the columns of its tables that
hold a person's id (`PersonalData`) and its retention rules (`Retention`); the wiring hands the
list of domains in (`app.state.domains`, the worker's `ctx["domains"]`), and this module walks it.

Deleting an account happens in two steps. At once: the account is suspended (no login, left out
of every audience), its sessions closed, its push devices forgotten, its activation letters
voided, and everything it signed shows « Membre parti » to others (the name is kept on the
erasure request and put back if its owner returns). After `account_erase_grace_days` (the daily job): every declared row is deleted, or kept
for the neighbourhood with « Ancien membre » as its author (one shared placeholder account, so
the erased person's contributions cannot even be told apart), then the account row itself goes.
Logging in before that cancels the deletion.
"""

from __future__ import annotations

import base64
import json
import logging
from datetime import datetime, timedelta
from typing import Any, Iterable, Sequence

import valkey.asyncio as avalkey
from babel.dates import format_datetime

from backend.audit import service as audit
from backend.auth import sessions
from backend.auth import service as accounts
from backend.auth.passwords import verify_password
from backend.auth.tables import User
from backend.db import write_transaction
from backend.delivery import service as delivery
from backend.lib import clock
from backend.lib.domain import Domain
from backend.lib.errors import DomainError, NotFound
from backend.lib.french import PARIS, date_in_words
from backend.lib.personal_data import OnErase, PersonalData
from backend.lib.phones import is_sms_capable
from backend.lib.queues import Queues
from backend.lib.templates import render
from backend.lib.text import sort_name
from backend.privacy.tables import ErasureRequest
from backend.settings import Settings
from backend.verification import service as verification

log = logging.getLogger(__name__)

DEPARTED_NAME = ("Membre", "parti")
"""The name others see at once of an account being deleted (its own name is kept on the erasure request,
for a return within the grace period)."""
FORMER_MEMBER_EMAIL = "ancien-membre@vigie.invalid"
"""The one placeholder account that signs what erased people leave to the neighbourhood."""


def declarations(domains: Iterable[Domain]) -> list[tuple[str, PersonalData]]:
    """(domain name, declaration) of every domain, in the wiring's order (auth's users first)."""
    return [(domain.name, item) for domain in domains for item in domain.personal_data]


# Export ---------------------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    """A value as JSON holds it: dates in ISO 8601 (UTC), bytes in base64."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _shown_columns(item: PersonalData) -> list[Any]:
    hidden = set(item.hidden)
    return [c for c in item.table._meta.columns if not c._meta.secret and c._meta.name not in hidden]


async def export_data(domains: Sequence[Domain], user_id: int) -> dict[str, Any]:
    """Everything Vigie holds about the person: one section per declared column, their rows only."""
    if not await User.exists().where(User.id == user_id):
        raise NotFound("Ce compte n'existe pas.", "user_not_found")
    sections = []
    for domain_name, item in declarations(domains):
        if not item.export:
            continue
        columns = _shown_columns(item)
        rows = await item.table.select(*columns).where(item.table._meta.get_column_by_name(item.column) == user_id)
        sections.append({
            "domain": domain_name, "table": item.table._meta.tablename, "column": item.column, "label": item.label,
            "rows": [{k: _plain(v) for k, v in row.items()} for row in rows],
        })
    return {"exported_at": clock.now().isoformat(), "user_id": user_id, "sections": sections}


def _shown(value: Any) -> str:
    """A value as the readable export shows it: dates in Paris time, long base64 shortened."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            return format_datetime(datetime.fromisoformat(value), "dd/MM/y HH:mm", tzinfo=PARIS, locale="fr_FR")
        except ValueError:
            return value
    text = str(value)
    return text if len(text) <= 2000 else f"{text[:60]}… ({len(text)} caractères)"


def export_html(data: dict[str, Any], first_name: str) -> str:
    """The same export, readable by anyone in a browser (Jinja2, autoescaped; printable)."""
    sections = [
        {"label": s["label"], "columns": list(s["rows"][0]) if s["rows"] else [],
         "rows": [[_shown(v) for v in row.values()] for row in s["rows"]]}
        for s in data["sections"]
    ]
    return render("pages/my_data.html", first_name=first_name, sections=sections,
                  exported=_shown(data["exported_at"]))


# Correcting ------------------------------------------------------------------------------------

async def correct_identity(cache: avalkey.Valkey | None, user_id: int, first_name: str, last_name: str,
                           phone: str) -> dict[str, Any]:
    """Correct name and phone; a number that cannot receive SMS turns alerts by SMS off."""
    stored = await accounts.update_identity(cache, user_id, first_name, last_name, phone)
    sms_available = is_sms_capable(stored)
    if not sms_available:
        await delivery.set_channel(user_id, "sms", False)
    return {"first_name": first_name.strip(), "last_name": last_name.strip(), "phone": stored,
            "sms_available": sms_available}


# Deleting an account -----------------------------------------------------------------------------

async def request_erasure(settings: Settings, cache: avalkey.Valkey | None, queues: Queues | None, user_id: int,
                          password: str) -> datetime:
    """« Supprimer mon compte »: after the password, the account is disabled at once, and erased
    after the grace period unless its owner logs in before. Returns when it will be erased."""
    user = await User.select(User.password_hash, User.email, User.first_name, User.last_name, User.is_suspended).where(
        User.id == user_id).first()
    if user is None:
        raise NotFound("Ce compte n'existe pas.", "user_not_found")
    if not await verify_password(user["password_hash"], password):
        raise DomainError("Mot de passe incorrect : votre compte n'a pas été supprimé.", "wrong_password", 400)
    erase_after = clock.now() + timedelta(days=settings.account_erase_grace_days)
    async with write_transaction():
        previous = await ErasureRequest.select(ErasureRequest.first_name, ErasureRequest.last_name).where(
            ErasureRequest.user == user_id).first()  # asked again (a moderator's suspension): the kept name stays
        name = (previous["first_name"], previous["last_name"]) if previous else (user["first_name"], user["last_name"])
        await ErasureRequest.delete().where(ErasureRequest.user == user_id)
        await ErasureRequest.insert(ErasureRequest(
            user=user_id, requested_at=clock.now(), erase_after=erase_after, was_suspended=user["is_suspended"],
            first_name=name[0], last_name=name[1]))
        await accounts.set_suspended(cache, user_id, True)
        await accounts.set_name(cache, user_id, *DEPARTED_NAME)  # others see « Membre parti » at once
        await delivery.forget_devices(user_id)
        await verification.void_user_letters(user_id)
        await audit.record(None, "account.delete_requested", f"user:{user_id}",
                           {"erase_after": erase_after.isoformat()})
    await sessions.delete_user_sessions(cache, user_id)
    await accounts.send_account_mail(
        queues, user["email"], "Votre compte Vigie sera supprimé",
        f"Bonjour {user['first_name']},\n\nVous avez demandé la suppression de votre compte Vigie. Il est désactivé "
        f"dès maintenant et sera effacé le {date_in_words(erase_after)}.\n\nVous avez changé d'avis ? Connectez-vous "
        f"avant cette date avec votre adresse e-mail et votre mot de passe : votre compte sera rétabli.\n\n"
        f"{settings.base_url}/#/connexion\n")
    return erase_after


async def restore_on_login(state: Any, user_id: int) -> bool:
    """Logging in during the grace period cancels the deletion; False when there is none (the
    account is suspended by the moderators, or was when its owner asked: it stays so)."""
    request = await ErasureRequest.select(ErasureRequest.id, ErasureRequest.was_suspended, ErasureRequest.first_name,
                                          ErasureRequest.last_name).where(
        (ErasureRequest.user == user_id) & (ErasureRequest.erase_after > clock.now())).first()
    if request is None:
        return False
    async with write_transaction():
        await ErasureRequest.delete().where(ErasureRequest.id == request["id"])
        if request["first_name"] or request["last_name"]:
            await accounts.set_name(state.get("valkey"), user_id, request["first_name"], request["last_name"])
        if request["was_suspended"]:
            return False
        await accounts.set_suspended(state.get("valkey"), user_id, False)
        await audit.record(None, "account.delete_cancelled", f"user:{user_id}")
    user = await User.select(User.email, User.first_name).where(User.id == user_id).first()
    await accounts.send_account_mail(
        state.get("queues"), user["email"], "Votre compte Vigie est rétabli",
        f"Bonjour {user['first_name']},\n\nVous vous êtes reconnecté(e) : votre compte Vigie n'est plus supprimé. "
        "Pour recevoir de nouveau les notifications sur votre téléphone, réactivez-les dans Réglages.\n")
    return True


async def former_member_id() -> int:
    """The id of the « Ancien membre » placeholder account, created on first need (never logs in)."""
    await User.insert(User(
        email=FORMER_MEMBER_EMAIL, password_hash="!", first_name="Ancien", last_name="membre",
        sort_name=sort_name("Ancien", "membre"), phone="",
        address_line1="", postal_code="", city="", is_suspended=True,
    )).on_conflict(target=User.email, action="DO NOTHING")
    row = await User.select(User.id).where(User.email == FORMER_MEMBER_EMAIL).first()
    return row["id"]


async def erase_account(domains: Sequence[Domain], user_id: int) -> dict[str, int]:
    """Erase the person now: what the domains declare is deleted or anonymised (the account row last).
    Returns the rows touched per table. One transaction: nothing is half-erased."""
    touched: dict[str, int] = {}
    async with write_transaction():
        former = await former_member_id()
        for _, item in reversed(declarations(domains)):
            column = item.table._meta.get_column_by_name(item.column)
            if item.before_erase is not None:
                await item.before_erase(user_id)
            if item.on_erase is OnErase.DELETE:
                rows = await item.table.delete().where(column == user_id).returning(item.table._meta.primary_key)
            elif item.on_erase is OnErase.ANONYMISE:
                rows = await item.table.update({column: former, **item.scrub}).where(column == user_id).returning(
                    item.table._meta.primary_key)
            elif item.on_erase is OnErase.DETACH:
                rows = await item.table.update({column: None}).where(column == user_id).returning(
                    item.table._meta.primary_key)
            else:
                continue
            if rows:
                key = f"{item.table._meta.tablename}.{item.column}"
                touched[key] = touched.get(key, 0) + len(rows)
        await audit.record(None, "account.erased", f"user:{user_id}", touched)
    return touched


async def erase_due(domains: Sequence[Domain]) -> int:
    """Erase every account whose grace period is over; returns how many."""
    due = await ErasureRequest.select(ErasureRequest.user).where(ErasureRequest.erase_after <= clock.now())
    for row in due:
        await erase_account(domains, row["user"])
    return len(due)


def pending_erasure_json(erase_after: datetime) -> dict[str, str]:
    return {"erase_after": erase_after.isoformat(), "erase_on": date_in_words(erase_after)}


def counts_json(counts: dict[str, int]) -> str:
    return json.dumps(counts, sort_keys=True)
