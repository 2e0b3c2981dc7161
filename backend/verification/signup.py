"""Joining Vigie or another community: an account (sign-up) or a membership, pending until the
activation letter's code is entered, and the pending sign-ups a referent sees.

Sign-up spans accounts (auth), memberships (communities), the letter (verification) and the new
account's channel preferences (delivery): it lives here, above all of them.
"""

from __future__ import annotations

import re

import valkey.asyncio as avalkey

from backend.auth.passwords import hash_password
from backend.auth.principal import Principal
from backend.auth.schemas import SignupIn
from backend.auth.service import check_password, normalise_email, required_field, send_account_mail
from backend.auth.tables import User
from backend.communities import service as communities
from backend.communities.perimeter import require_inside
from backend.communities.schemas import PendingMember
from backend.communities.tables import COUNTRIES, Membership, MembershipStatus
from backend.db import write_transaction
from backend.delivery import service as delivery
from backend.lib import ratelimit
from backend.lib.errors import DomainError
from backend.lib.phones import is_sms_capable, normalise_phone
from backend.lib.queues import Queues
from backend.lib.templates import render
from backend.lib.text import sort_name
from backend.settings import Settings
from backend.verification import service as verification

SIGNUP_RECEIVED = ("Inscription reçue. Consultez votre boîte mail : nous vous avons écrit. Votre code "
                   "d'activation arrive par courrier postal à l'adresse indiquée.")
"""The one answer to every accepted sign-up, new e-mail or not: it must not tell who has an account."""
SIGNUP_NOTICES_PER_HOUR = 3
"""« Someone tried to sign up with your address » mails one account may get per hour."""


async def _notify_existing_owner(settings: Settings, queues: Queues | None, cache: avalkey.Valkey | None,
                                 user: dict) -> None:
    """Tell the owner of an e-mail that someone tried to sign up with it (a few times an hour at most)."""
    if cache is not None:
        key = f"signup-notice:{user['id']}"
        if (await ratelimit.is_over(cache, key, SIGNUP_NOTICES_PER_HOUR))[0]:
            return
        await ratelimit.enforce_after(cache, key, SIGNUP_NOTICES_PER_HOUR, 3600)
    english = user.get("locale") == "en"
    subject = ("Vigie: someone tried to sign up with your address" if english
               else "Vigie : tentative d'inscription avec votre adresse")
    await send_account_mail(queues, user["email"], subject,
                            render("email/signup_address_taken.txt", "en" if english else "fr",
                                   first_name=user["first_name"], base_url=settings.base_url))


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
        first_name=required_field(data.first_name, "Prénom", 100),
        last_name=required_field(data.last_name, "Nom", 100),
        email=normalise_email(data.email),
        phone=normalise_phone(data.phone, country),
        address_line1=required_field(data.address_line1, "Adresse", 200),
        address_line2=data.address_line2.strip()[:200],
        postal_code=postal,
        city=required_field(data.city, "Ville", 100),
        country=country,
        locale="en" if data.locale == "en" else "fr",
    )
    values["phone_mobile"] = is_sms_capable(values["phone"])  # read by the fan-out, never parsed there
    values["sort_name"] = sort_name(values["first_name"], values["last_name"])
    check_password(data.password)
    community = await communities.require_community(data.community_id)
    if community["commune.country"] != country:  # a Belgian address joins a Belgian commune, and the reverse
        raise DomainError(f"Ce quartier est en {COUNTRIES.get(community['commune.country'], '?')}, votre adresse en "
                          f"{COUNTRIES[country]} : choisissez un quartier de votre commune.", "country_mismatch")
    await require_inside(data.community_id, values["address_line1"], postal, city=values["city"])  # commune, streets
    password_hash = await hash_password(data.password)
    owner = await User.select(User.id, User.first_name, User.email, User.locale).where(User.email == values["email"]).first()
    if owner is None:
        try:
            async with write_transaction():
                rows = await User.insert(User(**values, password_hash=password_hash)).returning(User.id)
                user_id = rows[0]["id"]
                membership_id = await communities.add_membership(user_id, data.community_id, active=False)
                # SMS on from the start when the number is a mobile we can text
                await delivery.start_channels(user_id, data.sms and values["phone_mobile"])
                letter_id = await verification.create_letter(user_id, membership_id, community["name"], settings)
        except Exception as exc:  # the same e-mail signing up twice at once: the unique index lets one in
            owner = await User.select(User.id, User.first_name, User.email, User.locale).where(
                User.email == values["email"]).first()
            if owner is None or "unique" not in str(exc).lower():
                raise
    if owner is not None:
        # a new account at this address would meet the per-address letter limit: so must this answer
        await verification.check_letter_limits(settings, 0, verification.address_key(values["address_line1"], postal))
        await _notify_existing_owner(settings, queues, cache, owner)
        return None
    await verification.preview_to_outbox(settings, letter_id)
    english = values["locale"] == "en"
    await send_account_mail(queues, values["email"], "Vigie: your registration" if english else "Vigie : votre inscription", render(
        "email/signup_welcome.txt", "en" if english else "fr", first_name=values["first_name"], community=community["name"],
        address_line1=values["address_line1"], postal_code=values["postal_code"], city=values["city"],
        base_url=settings.base_url))
    return user_id


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


async def pending_members(community_id: int) -> list[PendingMember]:
    """The sign-ups waiting for their letter's code in a community, oldest first, with the letter's print date."""
    rows = await Membership.select(
        Membership.user.id, Membership.user.first_name, Membership.user.last_name,
        Membership.user.address_line1, Membership.created_at,
    ).where((Membership.community == community_id) & (Membership.status == MembershipStatus.PENDING)).order_by(
        Membership.created_at
    )
    printed = await verification.last_printed_by_user([r["user.id"] for r in rows], community_id)
    return [
        PendingMember(
            user_id=r["user.id"], first_name=r["user.first_name"], last_name=r["user.last_name"],
            street=communities.street_of(r["user.address_line1"]), requested_at=r["created_at"].isoformat(),
            letter_printed_at=printed.get(r["user.id"]),
        )
        for r in rows
    ]
