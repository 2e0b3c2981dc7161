"""Activation codes (redeem, re-issue) and the moderators' letter batches."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED

from backend.auth import service as auth_service
from backend.auth import sessions
from backend.auth.guards import authenticated, platform_role, public
from backend.auth.principal import principal_of
from backend.auth.schemas import Me, SignupAccepted, SignupIn
from backend.communities import service as communities
from backend.communities.guards import community_scope
from backend.communities.principals import load_principal
from backend.communities.schemas import JoinOut, PendingMember
from backend.lib import clock, ratelimit
from backend.lib.deps import client_ip, queues_of, settings_of, valkey_of
from backend.lib.errors import DomainError
from backend.verification import service, signup


class RedeemIn(msgspec.Struct):
    code: str
    community_id: int | None = None


class ReissueIn(msgspec.Struct):
    community_id: int


class AddressIn(msgspec.Struct):
    """A new postal address, and the community of that address the new letter is for."""

    address_line1: str
    postal_code: str
    city: str
    community_id: int
    address_line2: str = ""


class LetterRow(msgspec.Struct):
    id: int
    name: str
    community_name: str
    created_at: str
    address: str = ""
    """The postal address, on one line (moderators print it anyway)."""
    address_pending: int = 0
    """Letters on their way to this address, this one included."""
    address_month: int = 0
    """Letters made for this address in the last 30 days (voided ones included)."""


class LettersOut(msgspec.Struct):
    unprinted: int
    letters: list[LetterRow]


class VerificationController(Controller):
    path = "/api/v1/verification"
    tags = ["verification"]

    @post("/redeem", guards=[authenticated], status_code=200)
    async def redeem(self, request: Request, data: RedeemIn) -> Me:
        settings = settings_of(request)
        principal = principal_of(request)
        await ratelimit.enforce(valkey_of(request), f"code:{principal.user_id}", settings.code_tries_per_hour, 3600,
                                "Trop d'essais de code. Réessayez dans une heure.")
        membership_id = await service.redeem_activation_code(settings, principal.user_id, data.code, data.community_id)
        await communities.activate_membership(membership_id)
        address = await service.user_address(principal.user_id)  # others waiting at this address (after a move)
        await communities.activate_pending_inside(principal.user_id, address["address_line1"], address["postal_code"],
                                                  settings.max_communities_per_person)
        await sessions.invalidate_principal(valkey_of(request), principal.user_id)
        fresh = await load_principal(principal.user_id)
        assert fresh is not None
        return await auth_service.me(fresh)

    @post("/reissue", guards=[authenticated], status_code=HTTP_202_ACCEPTED)
    async def reissue(self, request: Request, data: ReissueIn) -> dict:
        settings = settings_of(request)
        principal = principal_of(request)
        membership = principal.membership(data.community_id)
        if membership is None or membership.status != "pending":
            raise DomainError("Aucune inscription en attente dans ce quartier.", "no_pending_membership")
        await ratelimit.enforce(valkey_of(request), f"reissue:{principal.user_id}", 3, 86400,
                                "Vous avez déjà demandé plusieurs courriers aujourd'hui. Réessayez demain.")
        membership_id = await communities.membership_id(principal.user_id, data.community_id)
        assert membership_id is not None
        await service.reissue_letter(settings, principal.user_id, membership_id, membership.community_name)
        return {"detail": "Un nouveau courrier va vous être envoyé. L'ancien code ne fonctionne plus."}

    @put("/address", guards=[authenticated], status_code=200)
    async def change_address(self, request: Request, data: AddressIn) -> Me:
        """A move: new address, new letter; memberships wait for its code (or end outside the new perimeter)."""
        principal = principal_of(request)
        await service.change_address(settings_of(request), principal.user_id, data.address_line1, data.address_line2,
                                     data.postal_code, data.city, data.community_id)
        await sessions.invalidate_principal(valkey_of(request), principal.user_id)
        fresh = await load_principal(principal.user_id)
        assert fresh is not None
        return await auth_service.me(fresh)


class LetterController(Controller):
    path = "/api/v1/letters"
    tags = ["verification"]
    guards = [platform_role(moderator=True, admin=True)]

    @get("/")
    async def list_unprinted(self) -> LettersOut:
        rows = await service.unprinted_letters()
        counts = await service.address_counts([r["address_key"] for r in rows])
        letters = []
        for r in rows:
            name, _, address = r["recipient"].partition("\n")
            pending, month = counts.get(r["address_key"], (1, 1))
            letters.append(LetterRow(id=r["id"], name=name, community_name=r["community_name"],
                                     created_at=r["created_at"].isoformat(), address=", ".join(address.split("\n")),
                                     address_pending=pending, address_month=month))
        return LettersOut(unprinted=len(rows), letters=letters)

    @post("/batch", status_code=200)
    async def print_batch(self, request: Request) -> Response[bytes]:
        pdf, count = await service.print_batch(settings_of(request))
        name = f"vigie-courriers-{clock.now():%Y%m%d-%H%M}.pdf"
        return Response(pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="{name}"', "X-Letter-Count": str(count)})


class SignupController(Controller):
    """Sign-up (`/api/v1/auth/signup`): an account, a pending membership and its letter."""

    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/signup", guards=[public], status_code=HTTP_201_CREATED)
    async def signup(self, request: Request, data: SignupIn) -> SignupAccepted:
        """The same answer whether the e-mail was new or already had an account (no session: log in
        with the password just chosen); the mail tells its owner which it was."""
        settings = settings_of(request)
        await ratelimit.enforce(valkey_of(request), f"signup:ip:{client_ip(request)}", settings.signups_per_hour_per_ip,
                                3600, "Trop d'inscriptions depuis cette connexion. Réessayez dans une heure.")
        await signup.signup(settings, data, queues_of(request), valkey_of(request))
        return SignupAccepted(detail=signup.SIGNUP_RECEIVED)


class MembershipRequestController(Controller):
    """Joining another community (a letter unless the address is verified) and the sign-ups waiting for one."""

    path = "/api/v1/communities"
    tags = ["communities"]

    @post("/{community_id:int}/join", guards=[authenticated], status_code=HTTP_201_CREATED)
    async def join(self, request: Request, community_id: int) -> JoinOut:
        principal = principal_of(request)
        status = await signup.join_community(settings_of(request), principal, community_id)
        await sessions.invalidate_principal(valkey_of(request), principal.user_id)
        return JoinOut(community_id=community_id, status=status)

    @get("/{community_id:int}/pending",
         guards=[community_scope(referent=True, staff=True, moderator=True, admin=True)])
    async def pending(self, community_id: int) -> list[PendingMember]:
        return await signup.pending_members(community_id)
