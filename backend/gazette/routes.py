"""Gazette endpoints: a community's list and new posts, a commune's communications, one post and
what one does with it (photos, comments, answers, seats, pins, removal, reports), moderation."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, delete, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.auth.guards import authenticated, commune_scope, platform_role
from backend.auth.principal import principal_of
from backend.communities.guards import community_scope
from backend.gazette import carpools, comments, events, moderation, photos, service, uploads
from backend.gazette.schemas import (
    CommentIn, CommentOut, CommunicationIn, PhotoUpload, PostDetail, PostIn, PostOut, PostPage, ReasonIn,
    ReportAck, ReportDecisionIn, ReportedPost, ReportIn, RideRequestIn, RideRequestOut, RsvpIn, RsvpOut,
)
from backend.lib.deps import storage_of
from backend.lib.web import StreamOf

IDEMPOTENCY = Parameter(header="Idempotency-Key", default=None,
                        description="Optional: a replay with the same key returns the first comment (PWA outbox)")
PHOTO_CACHE = "private, max-age=31536000, immutable"  # a photo id never changes content
UPLOAD_LIMIT = photos.MAX_PHOTOS * photos.MAX_BYTES + 512 * 1024


class CommunityGazetteController(Controller):
    path = "/api/v1/communities/{community_id:int}/gazette"
    tags = ["gazette"]

    @get("/", guards=[community_scope(member=True, staff=True, moderator=True, admin=True)])
    async def list_posts(self, request: Request, community_id: int, kind: str | None = None, q: str = "",
                         before: int | None = None, limit: int = 20, include_expired: bool = False) -> PostPage:
        return await service.list_posts(principal_of(request), community_id, kind=kind, q=q, before=before,
                                        limit=limit, include_expired=include_expired)

    @post("/", guards=[community_scope(member=True)], status_code=HTTP_201_CREATED)
    async def create(self, request: Request, community_id: int, data: PostIn) -> PostOut:
        return await service.publish_post(request.app.state, principal_of(request), community_id, data)


class CommuneGazetteController(Controller):
    path = "/api/v1/communes/{commune_id:int}/gazette"
    tags = ["gazette", "mairie"]

    @post("/", guards=[commune_scope(staff=True)], status_code=HTTP_201_CREATED)
    async def communicate(self, request: Request, commune_id: int, data: CommunicationIn) -> PostOut:
        return await service.create_communication(principal_of(request), commune_id, data, res=request.app.state)

    @get("/", guards=[commune_scope(staff=True, moderator=True, admin=True)])
    async def communications(self, request: Request, commune_id: int) -> list[PostOut]:
        return await service.commune_communications(principal_of(request), commune_id)


class GazettePostController(Controller):
    """Signed-in guard; then the service checks the post is visible to the caller (403/404)."""

    path = "/api/v1/gazette/posts/{post_id:int}"
    tags = ["gazette"]
    guards = [authenticated]

    @get("/")
    async def detail(self, request: Request, post_id: int) -> PostDetail:
        return await service.get_post(principal_of(request), post_id)

    @delete("/")
    async def delete_post(self, request: Request, post_id: int) -> None:
        await service.delete_post(storage_of(request), principal_of(request), post_id, res=request.app.state)

    @post("/photos", status_code=HTTP_201_CREATED, request_max_body_size=UPLOAD_LIMIT)
    async def add_photos(self, request: Request, post_id: int, data: Annotated[PhotoUpload, Body(
            media_type=RequestEncodingType.MULTI_PART, multipart_form_part_limit=photos.MAX_PHOTOS + 4)]) -> PostOut:
        raws = []
        for upload in data.photos:
            raws.append(await upload.read(photos.MAX_BYTES + 1))  # one byte more tells "too large"
            await upload.close()
        return await uploads.upload_photos(request.app.state, principal_of(request), post_id, raws)

    @post("/comments", status_code=HTTP_201_CREATED)
    async def comment(self, request: Request, post_id: int, data: CommentIn,
                      idempotency_key: str | None = IDEMPOTENCY) -> Response[CommentOut]:
        comment, created = await comments.post_comment(request.app.state, principal_of(request), post_id, data.body,
                                                       idempotency_key)
        # A replay (an offline outbox sending again) gets the first comment: 200, nothing new.
        return Response(comment, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @post("/rsvp", status_code=HTTP_200_OK)
    async def rsvp(self, request: Request, post_id: int, data: RsvpIn) -> RsvpOut:
        counts, _ = await events.answer_event(principal_of(request), post_id, data.answer, res=request.app.state)
        return counts

    @post("/ride-requests", status_code=HTTP_201_CREATED)
    async def request_seat(self, request: Request, post_id: int, data: RideRequestIn) -> RideRequestOut:
        asked, _ = await carpools.request_seat(principal_of(request), post_id, data.message, res=request.app.state)
        return asked

    @post("/pin", status_code=HTTP_200_OK)
    async def pin(self, request: Request, post_id: int) -> PostOut:
        return await self._pin(request, post_id, True)

    @post("/unpin", status_code=HTTP_200_OK)
    async def unpin(self, request: Request, post_id: int) -> PostOut:
        return await self._pin(request, post_id, False)

    async def _pin(self, request: Request, post_id: int, pinned: bool) -> PostOut:
        updated, _ = await moderation.set_pinned(principal_of(request), post_id, pinned, res=request.app.state)
        return updated

    @post("/remove", status_code=HTTP_200_OK)
    async def remove(self, request: Request, post_id: int, data: ReasonIn) -> PostOut:
        removed, _ = await moderation.remove_post(principal_of(request), post_id, data.reason, res=request.app.state)
        return removed

    @post("/report")
    async def report(self, request: Request, post_id: int, data: ReportIn) -> Response[ReportAck]:
        ack, created = await moderation.report_post(principal_of(request), post_id, data.reason)
        return Response(ack, status_code=HTTP_201_CREATED if created else HTTP_200_OK)


class GazetteItemController(Controller):
    """Photos, comments and seat requests by their own id (signed-in guard, then the service checks)."""

    path = "/api/v1/gazette"
    tags = ["gazette"]
    guards = [authenticated]

    @get("/photos/{photo_id:int}", media_type="image/jpeg")
    async def photo(self, request: Request, photo_id: int) -> StreamOf:
        # Streamed by the app from the media storage (folder or bucket), after the access check:
        # the bucket is never public.
        stored, media_type = await uploads.photo_file(storage_of(request), principal_of(request), photo_id)
        return StreamOf(stored.chunks, media_type=media_type,
                      headers={"Cache-Control": PHOTO_CACHE, "Content-Length": str(stored.size),
                               "Content-Disposition": "inline"})

    @delete("/photos/{photo_id:int}", status_code=HTTP_200_OK)
    async def delete_photo(self, request: Request, photo_id: int) -> PostOut:
        return await uploads.delete_photo(storage_of(request), principal_of(request), photo_id, res=request.app.state)

    @delete("/comments/{comment_id:int}")
    async def delete_comment(self, request: Request, comment_id: int) -> None:
        await comments.delete_comment(principal_of(request), comment_id, res=request.app.state)

    @post("/ride-requests/{request_id:int}/accept", status_code=HTTP_200_OK)
    async def accept(self, request: Request, request_id: int) -> RideRequestOut:
        return await self._answer(request, request_id, True)

    @post("/ride-requests/{request_id:int}/refuse", status_code=HTTP_200_OK)
    async def refuse(self, request: Request, request_id: int) -> RideRequestOut:
        return await self._answer(request, request_id, False)

    async def _answer(self, request: Request, request_id: int, accept: bool) -> RideRequestOut:
        answered, _ = await carpools.answer_request(principal_of(request), request_id, accept, res=request.app.state)
        return answered

    @delete("/ride-requests/{request_id:int}")
    async def withdraw(self, request: Request, request_id: int) -> None:
        await carpools.withdraw_request(principal_of(request), request_id, res=request.app.state)


class GazetteModerationController(Controller):
    path = "/api/v1/moderation/gazette-reports"
    tags = ["moderation", "gazette"]
    guards = [platform_role(moderator=True, admin=True)]

    @get("/")
    async def queue(self, request: Request, report_state: str = Parameter(query="state", default="open")
                    ) -> list[ReportedPost]:
        return await moderation.report_queue(principal_of(request), report_state)

    @post("/{post_id:int}", status_code=HTTP_200_OK)
    async def decide(self, request: Request, post_id: int, data: ReportDecisionIn) -> PostOut:
        decided, _ = await moderation.decide(principal_of(request), post_id, data.action, data.reason,
                                             res=request.app.state)
        return decided


ROUTES = [CommunityGazetteController, CommuneGazetteController, GazettePostController, GazetteItemController,
          GazetteModerationController]
