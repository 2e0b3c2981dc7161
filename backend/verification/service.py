"""Activation letters: the code is drawn when a letter is rendered, and only its HMAC is kept.

A letter row is created at sign-up without a usable code. Rendering it (the moderators'
print batch, or the dev outbox preview) draws a fresh code, stores its keyed hash and
starts the validity period, so the printed code is always the one that works.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from pathlib import Path

from backend.auth.tables import User
from backend.lib import clock
from backend.lib.errors import DomainError, NotFound, TooManyRequests
from backend.settings import Settings
from backend.verification.letters import LetterContent, letter_lines, render_letters
from backend.verification.tables import ActivationLetter

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no I, L, O, 0, 1
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


async def create_letter(user_id: int, membership_id: int, community_name: str) -> int:
    """A letter waiting to be printed for this membership; returns its id."""
    user = await User.select().where(User.id == user_id).first()
    rows = await ActivationLetter.insert(ActivationLetter(
        user=user_id, membership=membership_id, code_hash="", community_name=community_name,
        recipient=f"{user['first_name']} {user['last_name']}\n{recipient_block(user)}",
        expires_at=clock.now(),
    )).returning(ActivationLetter.id)
    return rows[0]["id"]


async def _render(settings: Settings, letter_ids: list[int], mark_printed: bool) -> tuple[bytes, list[tuple[int, str]]]:
    rows = await ActivationLetter.select().where(ActivationLetter.id.is_in(letter_ids)).order_by(ActivationLetter.id)
    now = clock.now()
    expires = now + timedelta(days=settings.letter_validity_days)
    contents: list[LetterContent] = []
    issued: list[tuple[int, str]] = []
    for row in rows:
        code = new_code()
        name, _, address = row["recipient"].partition("\n")
        contents.append(LetterContent(recipient_name=name, address_block=address, community_name=row["community_name"],
                                      code=code, expires_at=expires, app_url=settings.base_url, issued_at=now))
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
        ActivationLetter.community_name,
    ).where(
        ActivationLetter.printed_at.is_null() & ActivationLetter.voided_at.is_null()
        & ActivationLetter.redeemed_at.is_null()
    ).order_by(ActivationLetter.id)


async def print_batch(settings: Settings) -> tuple[bytes, int]:
    """PDF of every letter not yet printed (they are marked printed); (pdf, count)."""
    rows = await unprinted_letters()
    if not rows:
        raise NotFound("Aucun courrier à imprimer.", "no_letters")
    pdf, issued = await _render(settings, [r["id"] for r in rows], mark_printed=True)
    return pdf, len(issued)


async def void_letters(membership_id: int) -> None:
    await ActivationLetter.update({ActivationLetter.voided_at: clock.now()}).where(
        (ActivationLetter.membership == membership_id) & ActivationLetter.voided_at.is_null()
        & ActivationLetter.redeemed_at.is_null()
    )


async def reissue_letter(settings: Settings, user_id: int, membership_id: int, community_name: str) -> int:
    """Void the membership's live letters and queue a new one (dev: posted to the outbox at once)."""
    await void_letters(membership_id)
    letter_id = await create_letter(user_id, membership_id, community_name)
    await preview_to_outbox(settings, letter_id)
    return letter_id


async def redeem_activation_code(settings: Settings, user_id: int, code: str, community_id: int | None = None) -> int:
    """Check a code against the user's live letters; on success return the membership id to activate.

    5 wrong codes lock the letter for an hour; an expired code must be re-issued.
    """
    from backend.communities.tables import Membership  # letters point at memberships

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
