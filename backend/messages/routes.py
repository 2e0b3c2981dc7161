"""Messaging endpoints: conversations, messages (idempotent), unread counts, blocks, reports;
the moderators' queue of reported conversations and their logged reading."""

from __future__ import annotations

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from backend.auth.guards import authenticated, platform_role
from backend.auth.principal import principal_of
from backend.communities.guards import community_scope
from backend.messages import blocks, conversations, moderation, service
from backend.messages.schemas import (BlockIn, BlockOut, CloseReportIn, ConversationIn, ConversationOut, MessageIn,
                                      MessageOut, MessagePage, ModeratedConversation, ModeratorReadOut, ParticipantsIn,
                                      ReadIn, ReportIn, ReportOut, Unread)

IDEMPOTENCY = Parameter(header="Idempotency-Key", default=None)


class CommunityConversationController(Controller):
    path = "/api/v1/communities/{community_id:int}/conversations"
    tags = ["messages"]

    @post("/", guards=[community_scope(member=True)], status_code=HTTP_201_CREATED)
    async def create(self, request: Request, community_id: int, data: ConversationIn,
                     idempotency_key: str | None = IDEMPOTENCY) -> Response[ConversationOut]:
        conversation, created = await conversations.open_conversation(request.app.state, principal_of(request),
                                                                      community_id, data, idempotency_key)
        return Response(conversation, status_code=HTTP_201_CREATED if created else HTTP_200_OK)


class ConversationController(Controller):
    path = "/api/v1/messages"
    tags = ["messages"]
    guards = [authenticated]

    @get("/conversations")
    async def list_conversations(self, request: Request, community_id: int | None = None) -> list[ConversationOut]:
        return await service.list_conversations(principal_of(request), community_id)

    @get("/unread")
    async def unread(self, request: Request) -> Unread:
        return await service.unread(principal_of(request))

    @get("/conversations/{conversation_id:int}")
    async def detail(self, request: Request, conversation_id: int) -> ConversationOut:
        return await service.get_conversation(principal_of(request), conversation_id)

    @get("/conversations/{conversation_id:int}/messages")
    async def messages(self, request: Request, conversation_id: int, before: int | None = None,
                       after: int | None = None, limit: int = 50) -> MessagePage:
        return await service.list_messages(principal_of(request), conversation_id, before, after, limit)

    @post("/conversations/{conversation_id:int}/messages", status_code=HTTP_201_CREATED)
    async def post_message(self, request: Request, conversation_id: int, data: MessageIn,
                           idempotency_key: str | None = IDEMPOTENCY) -> Response[MessageOut]:
        message, created = await service.send_message(request.app.state, principal_of(request), conversation_id,
                                                      data.body, idempotency_key)
        # A replay (an offline outbox sending again) gets the first message: 200, nothing new.
        return Response(message, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @post("/conversations/{conversation_id:int}/read", status_code=HTTP_200_OK)
    async def read(self, request: Request, conversation_id: int, data: ReadIn | None = None) -> Unread:
        return await service.mark_read(principal_of(request), conversation_id, data.message_id if data else None)

    @post("/conversations/{conversation_id:int}/participants", status_code=HTTP_200_OK)
    async def add_participants(self, request: Request, conversation_id: int, data: ParticipantsIn) -> ConversationOut:
        principal = principal_of(request)
        await conversations.add_participants(principal, conversation_id, data.user_ids, res=request.app.state)
        return await service.get_conversation(principal, conversation_id)

    @post("/conversations/{conversation_id:int}/leave", status_code=HTTP_204_NO_CONTENT)
    async def leave(self, request: Request, conversation_id: int) -> None:
        await conversations.leave(principal_of(request), conversation_id, res=request.app.state)

    @post("/conversations/{conversation_id:int}/report", status_code=HTTP_201_CREATED)
    async def report(self, request: Request, conversation_id: int, data: ReportIn) -> ReportOut:
        return await moderation.report(principal_of(request), conversation_id, data.reason, res=request.app.state)

    @get("/blocks")
    async def list_blocks(self, request: Request) -> list[BlockOut]:
        return await blocks.list_blocks(principal_of(request))

    @post("/blocks", status_code=HTTP_204_NO_CONTENT)
    async def block(self, request: Request, data: BlockIn) -> None:
        await blocks.block(principal_of(request), data.user_id)

    @delete("/blocks/{user_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def unblock(self, request: Request, user_id: int) -> None:
        await blocks.unblock(principal_of(request), user_id)


class ConversationModerationController(Controller):
    path = "/api/v1/moderation"
    tags = ["moderation"]
    guards = [platform_role(moderator=True, admin=True)]

    @get("/conversation-reports")
    async def reports(self, report_state: str = Parameter(query="state", default="open")) -> list[ReportOut]:
        return await moderation.queue(report_state)

    @post("/conversation-reports/{report_id:int}/close", status_code=HTTP_200_OK)
    async def close(self, request: Request, report_id: int, data: CloseReportIn) -> ReportOut:
        return await moderation.close(principal_of(request).user_id, report_id, data.note)

    @get("/conversations/{conversation_id:int}")
    async def read(self, request: Request, conversation_id: int,
                   report_id: int | None = None) -> ModeratedConversation:
        return await moderation.read_reported(principal_of(request).user_id, conversation_id, report_id)

    @get("/conversations/{conversation_id:int}/reads")
    async def reads(self, conversation_id: int) -> list[ModeratorReadOut]:
        return await moderation.access_log(conversation_id)


ROUTES = [CommunityConversationController, ConversationController, ConversationModerationController]
