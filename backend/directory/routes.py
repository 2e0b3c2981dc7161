"""Directory endpoints: a community's members, one member's card, one's own profile and photo."""

from __future__ import annotations

from litestar import Controller, Request, Response, delete, get, patch, put
from litestar.status_codes import HTTP_204_NO_CONTENT

from backend.auth.guards import authenticated
from backend.auth.principal import principal_of
from backend.communities.guards import community_scope
from backend.directory import profile, service
from backend.directory.photos import MAX_BYTES, PhotoTooLarge
from backend.directory.schemas import DirectoryEntry, DirectoryPage, MyProfile, ProfileIn, Skill
from backend.lib.deps import settings_of, valkey_of
from backend.lib.images import upload_limit

READERS = community_scope(member=True, moderator=True, admin=True)


class CommunityDirectoryController(Controller):
    path = "/api/v1/communities/{community_id:int}/directory"
    tags = ["directory"]
    guards = [READERS]

    @get("/")
    async def list_members(self, request: Request, community_id: int, q: str = "") -> list[DirectoryEntry]:
        return await service.list_directory(principal_of(request), community_id, q)

    @get("/page")
    async def page(self, request: Request, community_id: int, q: str = "", limit: int = service.PAGE_DEFAULT,
                   after: str | None = None) -> DirectoryPage:
        """A page of the directory by name; `q` searches the whole directory (accents and case aside)."""
        return await service.directory_page(principal_of(request), community_id, q, limit, after)

    @get("/{user_id:int}")
    async def member(self, request: Request, community_id: int, user_id: int) -> DirectoryEntry:
        return await service.get_entry(principal_of(request), community_id, user_id)


class DirectoryController(Controller):
    path = "/api/v1/directory"
    tags = ["directory"]
    guards = [authenticated]

    @get("/skills")
    async def skills(self) -> list[Skill]:
        return service.skill_list()

    @get("/me")
    async def my_profile(self, request: Request) -> MyProfile:
        return await profile.get_my_profile(principal_of(request).user_id)

    @patch("/me")
    async def update_profile(self, request: Request, data: ProfileIn) -> MyProfile:
        return await profile.update_profile(principal_of(request).user_id, data)

    @put("/me/photo")
    async def set_photo(self, request: Request) -> MyProfile:
        """The body is the image file itself (any Content-Type: the content decides)."""
        user_id = principal_of(request).user_id
        limit = upload_limit(valkey_of(request), user_id, settings_of(request).photos_per_hour)
        await limit.check()
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BYTES:
            raise PhotoTooLarge()
        raw = bytearray()
        async for chunk in request.stream():  # stop reading as soon as it is too big
            raw += chunk
            if len(raw) > MAX_BYTES:
                raise PhotoTooLarge()
        mine = await profile.set_photo(user_id, bytes(raw))
        await limit.count()
        return mine

    @delete("/me/photo", status_code=HTTP_204_NO_CONTENT)
    async def delete_photo(self, request: Request) -> None:
        await profile.delete_photo(principal_of(request).user_id)

    @get("/photos/{user_id:int}", media_type="image/jpeg")
    async def photo(self, request: Request, user_id: int) -> Response[bytes]:
        data = await service.get_photo(principal_of(request), user_id)
        # The URL carries the photo's version (?v=), so a private copy may be kept a long time.
        return Response(data, media_type="image/jpeg", headers={"cache-control": "private, max-age=2592000"})


ROUTES = [CommunityDirectoryController, DirectoryController]
