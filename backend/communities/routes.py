"""Communes and communities: search, details, creation, appointments (joining and pending sign-ups:
backend/verification/routes.py)."""

from __future__ import annotations

from litestar import Controller, Request, get, post, put
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from backend.auth import service as auth_service
from backend.auth import sessions
from backend.auth.guards import any_staff_or_platform, commune_scope, platform_role, public
from backend.auth.principal import principal_of
from backend.communities import official, people, service
from backend.communities.official import OfficialCommuneOut
from backend.communities.guards import community_scope
from backend.communities.schemas import (
    CommuneCreate,
    CommuneHit,
    CommuneOut,
    CommunityCreate,
    CommunityHit,
    CommunityOut,
    PerimeterIn,
    PersonHit,
    UserRef,
)
from backend.lib.deps import valkey_of


class CommunityController(Controller):
    path = "/api/v1/communities"
    tags = ["communities"]

    @get("/search", guards=[public])
    async def search(self, q: str, country: str | None = None) -> list[CommunityHit]:
        return await service.search_communities(q, country=country)

    @get("/{community_id:int}", guards=[community_scope(member=True, staff=True, moderator=True, admin=True)])
    async def detail(self, community_id: int) -> CommunityOut:
        return await service.get_community(community_id)

    @put("/{community_id:int}/perimeter", guards=[community_scope(referent=True, staff=True, admin=True)])
    async def set_perimeter(self, request: Request, community_id: int, data: PerimeterIn) -> CommunityOut:
        return await service.set_perimeter(community_id, data, principal_of(request).user_id)

    @post("/{community_id:int}/referents", guards=[community_scope(staff=True, admin=True)],
          status_code=HTTP_204_NO_CONTENT)
    async def add_referent(self, request: Request, community_id: int, data: UserRef) -> None:
        await service.appoint_referent(community_id, data.user_id, principal_of(request).user_id)
        await sessions.invalidate_principal(valkey_of(request), data.user_id)


class CommuneController(Controller):
    path = "/api/v1/communes"
    tags = ["communes"]

    @get("/official", guards=[public])
    async def search_official(self, q: str, country: str | None = None) -> list[OfficialCommuneOut]:
        """The official lists of communes (INSEE for France, NIS for Belgium) by postal code or name, of one
        country (`country=FR|BE`) or both: the pickers of sign-up, of the admins' « ouvrir une commune », of the
        mairie application and of the public map."""
        return await official.search_official(q, country=country)

    @get("/", guards=[any_staff_or_platform])
    async def list_communes(self, request: Request) -> list[CommuneOut]:
        p = principal_of(request)
        scope = None if (p.is_admin or p.is_moderator) else [c.id for c in p.mairie_communes]
        return await service.list_communes(scope)

    @get("/search", guards=[public])
    async def search_communes(self, q: str, country: str | None = None) -> list[CommuneHit]:
        """Communes by name, postal code or INSEE/NIS code, of one country (`country=FR|BE`) or both (public:
        name, codes and country only), to pick one."""
        return await service.search_communes(q, country=country)

    @post("/", guards=[platform_role(admin=True)], status_code=HTTP_201_CREATED)
    async def create_commune(self, data: CommuneCreate) -> CommuneOut:
        return await service.create_commune(data)

    @post("/{commune_id:int}/communities", guards=[commune_scope(staff=True, admin=True)],
          status_code=HTTP_201_CREATED)
    async def create_community(self, commune_id: int, data: CommunityCreate) -> CommunityOut:
        return await service.create_community(commune_id, data)

    @get("/{commune_id:int}/people", guards=[commune_scope(staff=True, admin=True)])
    async def find_people(self, commune_id: int, q: str) -> list[PersonHit]:
        """Verified members of the commune's neighbourhoods by name (to appoint a referent)."""
        return await people.search_people(q, commune_id)

    @post("/{commune_id:int}/staff", guards=[commune_scope(admin=True)], status_code=HTTP_204_NO_CONTENT)
    async def appoint_staff(self, request: Request, commune_id: int, data: UserRef) -> None:
        await service.appoint_staff(commune_id, data.user_id, principal_of(request).user_id)
        await sessions.invalidate_principal(valkey_of(request), data.user_id)


class AdminController(Controller):
    path = "/api/v1/admin"
    tags = ["admin"]

    @get("/people", guards=[platform_role(admin=True)])
    async def find_people(self, q: str) -> list[PersonHit]:
        """Anyone by name, for admins (to appoint mairie staff or moderators)."""
        return await people.search_people(q, None)

    @post("/moderators", guards=[platform_role(admin=True)], status_code=HTTP_204_NO_CONTENT)
    async def appoint_moderator(self, request: Request, data: UserRef) -> None:
        await auth_service.set_moderator(data.user_id, True, principal_of(request).user_id)
        await sessions.invalidate_principal(valkey_of(request), data.user_id)
