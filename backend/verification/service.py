"""Activation letters: the code is drawn when a letter is rendered, and only its HMAC is kept.

A letter row is created at sign-up without a usable code. Rendering it (the moderators'
print batch, or the dev outbox preview) draws a fresh code, stores its keyed hash and
starts the validity period, so the printed code is always the one that works.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from pathlib import Path

from backend.auth.tables import User
from backend.communities import service as communities
from backend.communities.perimeter import require_inside
from backend.db import is_sqlite, write_transaction
from backend.lib import clock
from backend.lib.text import address_words
from backend.lib.errors import DomainError, NotFound, TooManyRequests
from backend.lib.french import date_in_words
from backend.settings import Settings
from backend.verification.letters import LetterContent, letter_lines, render_letters
from backend.verification.tables import ActivationLetter

# Read aloud or copied by people with poor eyesight: no look-alikes (I/L/1, O/Q/D/0, B/8, S/5, G/6, Z/2, U/V).
# Codes drawn before from "ABCDEFGHJKMNPQRSTUVWXYZ23456789" stay valid until they expire:
# normalise_code() only drops separators and upper-cases, it maps no character onto another.
ALPHABET = "ACEFHJKMNPRTWXY3479"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def hash_code(secret: str, code: str) -> str:
    return hmac.new(secret.encode(), normalise_code(code).encode(), hashlib.sha256).hexdigest()


def recipient_block(user: dict) -> str:
    lines = [user["address_line1"], user.get("address_line2") or "", f"{user['postal_code']} {user['city']}"]
    if user.get("country") == "BE":
        lines.append("BELGIQUE")
    return "\n".join(l for l in lines if l.strip())


def address_key(address_line1: str, postal_code: str) -> str:
    """The postal address letters are counted by: folded street line (number kept) and postal code."""
    return f"{' '.join(address_words(address_line1))} {postal_code.strip()}"[:250]


def _live(now):
    """Letters still on their way: neither redeemed nor voided, and unprinted or printed and not expired."""
    return (ActivationLetter.voided_at.is_null() & ActivationLetter.redeemed_at.is_null()
            & (ActivationLetter.printed_at.is_null() | (ActivationLetter.expires_at > now)))


async def live_letter_ids(user_id: int, membership_id: int | None = None) -> list[int]:
    query = ActivationLetter.select(ActivationLetter.id).where((ActivationLetter.user == user_id) & _live(clock.now()))
    if membership_id is not None:
        query = query.where(ActivationLetter.membership == membership_id)
    return [r["id"] for r in await query]


async def check_letter_limits(settings: Settings, user_id: int, key: str, replaced: list[int] | None = None) -> None:
    """429 with a French reason when one more letter for this account and address would pass the limits.

    `replaced`: live letters the new one voids (a re-issue, a change of address); they do not count as pending.
    Called inside the transaction that creates the letter: on SQLite its BEGIN IMMEDIATE serialises writers;
    on PostgreSQL transaction-scoped advisory locks on the account and the address do, so two requests at
    once cannot both pass the check.
    """
    if not is_sqlite():
        await ActivationLetter.raw("SELECT pg_advisory_xact_lock(hashtext({}))", f"vigie-letters-user:{user_id}")
        await ActivationLetter.raw("SELECT pg_advisory_xact_lock(hashtext({}))", f"vigie-letters-address:{key}")
    now = clock.now()
    skip = replaced or [0]
    pending = await ActivationLetter.count().where(
        (ActivationLetter.user == user_id) & _live(now) & ActivationLetter.id.not_in(skip))
    if pending >= settings.letters_pending_per_account:
        raise TooManyRequests(
            "Un courrier d'activation est déjà en route pour votre compte. Entrez d'abord son code "
            "(page « Activer mon compte ») : vous pourrez ensuite rejoindre un autre quartier de votre adresse "
            "sans attendre de courrier.", "letter_already_pending", retry_after=86400)
    at_address = await ActivationLetter.count().where(
        (ActivationLetter.address_key == key) & _live(now) & ActivationLetter.id.not_in(skip))
    if at_address >= settings.letters_pending_per_address:
        raise TooManyRequests(
            f"{at_address} courriers d'activation sont déjà en route vers cette adresse, le maximum. "
            "Réessayez quand ils auront été utilisés.", "letters_per_address", retry_after=86400)
    since = now - timedelta(days=30)
    recent = await ActivationLetter.select(ActivationLetter.created_at).where(
        (ActivationLetter.user == user_id) & (ActivationLetter.created_at > since)
    ).order_by(ActivationLetter.created_at)
    if len(recent) >= settings.letters_per_account_per_month:
        free_at = recent[-settings.letters_per_account_per_month]["created_at"] + timedelta(days=30)
        raise TooManyRequests(
            f"Vous avez déjà demandé {len(recent)} courriers d'activation en 30 jours, le maximum. "
            f"Vous pourrez en demander un autre à partir du {date_in_words(free_at)}.", "letters_per_month",
            retry_after=max(60, int((free_at - now).total_seconds())))


async def create_letter(user_id: int, membership_id: int, community_name: str, settings: Settings | None = None,
                        replaced: list[int] | None = None) -> int:
    """A letter waiting to be printed for this membership; returns its id.

    With `settings`, the per-account and per-address limits apply first (429, nothing created).
    """
    user = await User.select().where(User.id == user_id).first()
    key = address_key(user["address_line1"], user["postal_code"])
    if settings is not None:
        await check_letter_limits(settings, user_id, key, replaced)
    rows = await ActivationLetter.insert(ActivationLetter(
        user=user_id, membership=membership_id, code_hash="", community_name=community_name,
        recipient=f"{user['first_name']} {user['last_name']}\n{recipient_block(user)}",
        address_key=key, expires_at=clock.now(),
    )).returning(ActivationLetter.id)
    return rows[0]["id"]


async def _render(settings: Settings, letter_ids: list[int], mark_printed: bool) -> tuple[bytes, list[tuple[int, str]]]:
    rows = await ActivationLetter.select(ActivationLetter.all_columns(), ActivationLetter.user.locale).where(
        ActivationLetter.id.is_in(letter_ids)).order_by(ActivationLetter.id)
    now = clock.now()
    expires = now + timedelta(days=settings.letter_validity_days)
    contents: list[LetterContent] = []
    issued: list[tuple[int, str]] = []
    for row in rows:
        code = new_code()
        name, _, address = row["recipient"].partition("\n")
        contents.append(LetterContent(recipient_name=name, address_block=address, community_name=row["community_name"],
                                      code=code, expires_at=expires, app_url=settings.base_url, issued_at=now,
                                      locale=row["user.locale"] or "fr"))
        issued.append((row["id"], code))
    pdf = render_letters(contents)
    for letter_id, code in issued:
        values = {ActivationLetter.code_hash: hash_code(settings.secret_key, code), ActivationLetter.expires_at: expires,
                  ActivationLetter.failed_tries: 0, ActivationLetter.locked_until: None}
        if mark_printed:
            values[ActivationLetter.printed_at] = now
        await ActivationLetter.update(values).where(ActivationLetter.id == letter_id)
    if settings.dev_outbox:
        _write_outbox(settings, contents, pdf, issued)
    return pdf, issued


def _write_outbox(settings: Settings, contents: list[LetterContent], pdf: bytes, issued: list[tuple[int, str]]) -> None:
    folder = settings.outbox_path / "letters"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = clock.now().strftime("%Y%m%dT%H%M%S%f")
    (folder / f"{stamp}-{issued[0][0]}.pdf").write_bytes(pdf)
    for content, (letter_id, _) in zip(contents, issued):
        text = "\n".join([content.recipient_name, content.address_block, "", *letter_lines(content)])
        (folder / f"{stamp}-{letter_id}.txt").write_text(text, encoding="utf-8")


async def preview_to_outbox(settings: Settings, letter_id: int) -> None:
    """Dev only: 'post' the letter at once into var/outbox/letters (not marked printed)."""
    if settings.dev_outbox:
        await _render(settings, [letter_id], mark_printed=False)


async def unprinted_letters() -> list[dict]:
    return await ActivationLetter.select(
        ActivationLetter.id, ActivationLetter.recipient, ActivationLetter.created_at, ActivationLetter.printed_at,
        ActivationLetter.community_name, ActivationLetter.address_key,
    ).where(
        ActivationLetter.printed_at.is_null() & ActivationLetter.voided_at.is_null()
        & ActivationLetter.redeemed_at.is_null()
    ).order_by(ActivationLetter.id)


async def address_counts(keys: list[str]) -> dict[str, tuple[int, int]]:
    """Per address: (letters on their way, letters made in the last 30 days, voided ones included)."""
    keys = [k for k in set(keys) if k]
    if not keys:
        return {}
    now = clock.now()
    rows = await ActivationLetter.select(
        ActivationLetter.address_key, ActivationLetter.created_at, ActivationLetter.voided_at,
        ActivationLetter.redeemed_at, ActivationLetter.printed_at, ActivationLetter.expires_at,
    ).where(ActivationLetter.address_key.is_in(keys))
    out: dict[str, list[int]] = {k: [0, 0] for k in keys}
    for r in rows:
        live = (r["voided_at"] is None and r["redeemed_at"] is None
                and (r["printed_at"] is None or r["expires_at"] > now))
        out[r["address_key"]][0] += live
        out[r["address_key"]][1] += r["created_at"] > now - timedelta(days=30)
    return {k: (v[0], v[1]) for k, v in out.items()}


async def print_batch(settings: Settings) -> tuple[bytes, int]:
    """PDF of every letter not yet printed (they are marked printed); (pdf, count)."""
    rows = await unprinted_letters()
    if not rows:
        raise NotFound("Aucun courrier à imprimer.", "no_letters")
    pdf, issued = await _render(settings, [r["id"] for r in rows], mark_printed=True)
    return pdf, len(issued)


async def void_letters(membership_id: int, keep: int = 0) -> None:
    await ActivationLetter.update({ActivationLetter.voided_at: clock.now()}).where(
        (ActivationLetter.membership == membership_id) & ActivationLetter.voided_at.is_null()
        & ActivationLetter.redeemed_at.is_null() & (ActivationLetter.id != keep)
    )


async def void_user_letters(user_id: int) -> None:
    """Every live letter of the account stops working (the address changed)."""
    await ActivationLetter.update({ActivationLetter.voided_at: clock.now()}).where(
        (ActivationLetter.user == user_id) & ActivationLetter.voided_at.is_null()
        & ActivationLetter.redeemed_at.is_null()
    )


async def reissue_letter(settings: Settings, user_id: int, membership_id: int, community_name: str) -> int:
    """Void the membership's live letters and queue a new one (dev: posted to the outbox at once);
    the letter limits apply (429, nothing changed)."""
    async with write_transaction():
        replaced = await live_letter_ids(user_id, membership_id)
        letter_id = await create_letter(user_id, membership_id, community_name, settings, replaced)
        await void_letters(membership_id, keep=letter_id)
    await preview_to_outbox(settings, letter_id)
    return letter_id


async def redeem_activation_code(settings: Settings, user_id: int, code: str, community_id: int | None = None) -> int:
    """Check a code against the user's live letters; on success return the membership id to activate.

    5 wrong codes lock the letter for an hour; an expired code must be re-issued.
    """
    clean = normalise_code(code)
    if len(clean) != CODE_LENGTH:
        raise DomainError("Le code d'activation comporte 8 caractères (lettres et chiffres).", "invalid_code_format")
    query = ActivationLetter.select(
        ActivationLetter.id, ActivationLetter.code_hash, ActivationLetter.expires_at, ActivationLetter.failed_tries,
        ActivationLetter.locked_until, ActivationLetter.membership,
    ).where(
        (ActivationLetter.user == user_id) & ActivationLetter.voided_at.is_null()
        & ActivationLetter.redeemed_at.is_null() & (ActivationLetter.code_hash != "")
    )
    if community_id is not None:
        query = query.where(ActivationLetter.membership.community == community_id)
    letters = await query
    if not letters:
        raise NotFound("Aucun courrier d'activation n'est en attente pour votre compte.", "no_pending_letter")
    now = clock.now()
    locked = [l for l in letters if l["locked_until"] and l["locked_until"] > now]
    if len(locked) == len(letters):
        until = max(l["locked_until"] for l in locked)
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        raise TooManyRequests(
            f"Trop d'essais erronés : votre code est bloqué. Réessayez dans {minutes} minute(s).",
            "code_locked", retry_after=minutes * 60,
        )
    wanted = hash_code(settings.secret_key, clean)
    for letter in letters:
        if letter in locked or not hmac.compare_digest(letter["code_hash"], wanted):
            continue
        if letter["expires_at"] <= now:
            raise DomainError(
                "Ce code a expiré. Demandez l'envoi d'un nouveau courrier depuis l'application.", "code_expired", 410
            )
        await ActivationLetter.update({ActivationLetter.redeemed_at: now}).where(ActivationLetter.id == letter["id"])
        await User.update({User.address_verified: True}).where(User.id == user_id)
        return letter["membership"]
    for letter in letters:
        if letter in locked:
            continue
        tries = letter["failed_tries"] + 1
        values = {ActivationLetter.failed_tries: tries}
        if tries >= settings.letter_max_tries:
            values = {ActivationLetter.failed_tries: 0,
                      ActivationLetter.locked_until: now + timedelta(minutes=settings.letter_lock_minutes)}
        await ActivationLetter.update(values).where(ActivationLetter.id == letter["id"])
    left = settings.letter_max_tries - min(l["failed_tries"] + 1 for l in letters if l not in locked)
    if left <= 0:
        raise TooManyRequests(
            f"Code incorrect. Après {settings.letter_max_tries} essais, votre code est bloqué pendant une heure.",
            "code_locked", retry_after=settings.letter_lock_minutes * 60,
        )
    raise DomainError(f"Code incorrect. Il vous reste {left} essai(s).", "wrong_code")


async def last_printed_by_user(user_ids: list[int], community_id: int) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = await ActivationLetter.select(ActivationLetter.user, ActivationLetter.printed_at).where(
        ActivationLetter.user.is_in(user_ids) & (ActivationLetter.membership.community == community_id)
        & ActivationLetter.printed_at.is_not_null()
    )
    out: dict[int, str] = {}
    for r in rows:
        stamp = r["printed_at"].isoformat()
        out[r["user"]] = max(out.get(r["user"], ""), stamp)
    return out


def outbox_letters(settings: Settings) -> list[dict]:
    """Dev outbox: the letters 'posted' so far, newest first (text versions)."""
    folder: Path = settings.outbox_path / "letters"
    if not folder.exists():
        return []
    files = sorted(folder.glob("*.txt"), reverse=True)
    return [{"file": f.name, "pdf": f.with_suffix(".pdf").name if f.with_suffix(".pdf").exists() else None,
             "text": f.read_text(encoding="utf-8")} for f in files[:200]]


async def user_address(user_id: int) -> dict:
    return await User.select(User.address_line1, User.postal_code, User.country, User.address_verified).where(
        User.id == user_id).first()


def _line(value: str, label: str, max_len: int, required: bool = True) -> str:
    value = " ".join(value.split())
    if required and not value:
        raise DomainError(f"Le champ « {label} » est obligatoire.", "missing_field")
    if len(value) > max_len:
        raise DomainError(f"Le champ « {label} » est trop long ({max_len} caractères au plus).", "field_too_long")
    return value


async def change_address(settings: Settings, user_id: int, line1: str, line2: str, postal_code: str, city: str,
                         community_id: int) -> int:
    """A member moved: the new address waits for a new letter, sent for `community_id` (whose perimeter
    must hold it). Until its code is entered the account is unverified: memberships whose perimeter holds
    the new address turn pending (activated with the code), the others end; the old letters stop working.
    The letter limits apply (429, nothing changed). Returns the new letter's id."""
    current = await user_address(user_id)
    postal = postal_code.strip()
    if not re.fullmatch(r"\d{4}" if current["country"] == "BE" else r"\d{5}", postal):
        raise DomainError("Code postal invalide.", "invalid_postal_code")
    values = {User.address_line1: _line(line1, "Adresse", 200), User.address_line2: _line(line2, "Complément", 200, False),
              User.postal_code: postal, User.city: _line(city, "Ville", 100), User.address_verified: False}
    if current["address_verified"] and address_key(line1, postal) == address_key(current["address_line1"],
                                                                                 current["postal_code"]):
        raise DomainError("C'est déjà votre adresse vérifiée : rien à changer.", "same_address")
    perimeter = await require_inside(community_id, line1, postal, city=city)
    async with write_transaction():
        replaced = await live_letter_ids(user_id)
        await User.update(values).where(User.id == user_id)
        kept, ended = await communities.follow_new_address(user_id, line1, postal)
        if community_id in kept:
            membership_id = await communities.membership_id(user_id, community_id)
        else:
            await communities.ensure_room(user_id, settings.max_communities_per_person - len(ended))
            membership_id = await communities.add_membership(user_id, community_id, active=False)
        assert membership_id is not None
        # The letters of the memberships that end stay on record (they count for the monthly limit).
        await ActivationLetter.update({ActivationLetter.membership: membership_id}).where(
            ActivationLetter.membership.is_in(ended or [0]))
        await communities.end_memberships(ended)
        letter_id = await create_letter(user_id, membership_id, perimeter.community_name, settings, replaced)
        await ActivationLetter.update({ActivationLetter.voided_at: clock.now()}).where(
            ActivationLetter.id.is_in(replaced or [0]))
    await preview_to_outbox(settings, letter_id)
    return letter_id
