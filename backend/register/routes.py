"""Register and episode endpoints. Staff routes are guarded on `{commune_id}` (that commune's
mairie staff only); the others are open to signed-in people, then the service decides (the person,
the people they named, assigned volunteers during an episode — 404 for anyone else)."""

from __future__ import annotations

from litestar import Controller, Request, delete, get, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from backend.auth.guards import authenticated, commune_scope
from backend.auth.principal import principal_of
from backend.lib.deps import queues_of
from backend.register import answers, confirmation, episodes, service, volunteers
from backend.register.schemas import (
    AgentIn, AnswerIn, AssignmentIn, Board, CallConfirmationIn, CallIn, EntryOut, EpisodeIn, EpisodeOut, MyCheck,
    MyRegister, RelativeIn, SelfIn, VolunteerCandidate, VolunteerView,
)

STAFF = [commune_scope(staff=True)]


class StaffRegisterController(Controller):
    path = "/api/v1/communes/{commune_id:int}"
    tags = ["register"]
    guards = STAFF

    @get("/register")
    async def list_entries(self, request: Request, commune_id: int, status: str | None = None) -> list[EntryOut]:
        return await service.commune_register(principal_of(request), commune_id, status)

    @post("/register", status_code=HTTP_201_CREATED)
    async def key_in(self, request: Request, commune_id: int, data: AgentIn) -> EntryOut:
        return await service.register_by_agent(principal_of(request), commune_id, data)

    @post("/register/{entry_id:int}/call-confirmation", status_code=HTTP_200_OK)
    async def call_confirmation(self, request: Request, commune_id: int, entry_id: int,
                                data: CallConfirmationIn) -> EntryOut:
        return await confirmation.confirm_by_call(principal_of(request), commune_id, entry_id, data)

    @get("/volunteers")
    async def volunteer_list(self, commune_id: int) -> list[VolunteerCandidate]:
        return await volunteers.candidates(commune_id)

    @post("/volunteers/{user_id:int}/assignments", status_code=HTTP_201_CREATED)
    async def assign(self, request: Request, commune_id: int, user_id: int, data: AssignmentIn) -> VolunteerCandidate:
        return await volunteers.assign(principal_of(request), commune_id, user_id, data.entry_id)

    @delete("/volunteers/{user_id:int}/assignments/{entry_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def unassign(self, request: Request, commune_id: int, user_id: int, entry_id: int) -> None:
        await volunteers.unassign(principal_of(request), commune_id, user_id, entry_id)

    @get("/episodes")
    async def list_episodes(self, commune_id: int) -> list[EpisodeOut]:
        return await episodes.episodes(commune_id)

    @post("/episodes", status_code=HTTP_201_CREATED)
    async def open_episode(self, request: Request, commune_id: int, data: EpisodeIn) -> EpisodeOut:
        return await episodes.open_episode(request.app.state, principal_of(request), commune_id, data)

    @get("/episodes/{episode_id:int}/board")
    async def board(self, request: Request, commune_id: int, episode_id: int, day: str | None = None) -> Board:
        return await episodes.board(principal_of(request), commune_id, episode_id, day)

    @post("/episodes/{episode_id:int}/close", status_code=HTTP_200_OK)
    async def close(self, request: Request, commune_id: int, episode_id: int) -> EpisodeOut:
        return await episodes.close_episode(request.app.state, principal_of(request), commune_id, episode_id)


class RegisterController(Controller):
    path = "/api/v1/register"
    tags = ["register"]
    guards = [authenticated]

    @get("/mine")
    async def mine(self, request: Request) -> MyRegister:
        principal = principal_of(request)
        own, named = await service.my_entries(principal.user_id)
        return MyRegister(mine=own, named_by=named, checks=await answers.my_checks(principal.user_id))

    @post("/me", status_code=HTTP_201_CREATED)
    async def register_me(self, request: Request, data: SelfIn) -> EntryOut:
        return await service.register_self(principal_of(request), data)

    @post("/relatives", status_code=HTTP_201_CREATED)
    async def register_relative(self, request: Request, data: RelativeIn) -> EntryOut:
        return await service.register_relative(queues_of(request), principal_of(request), data)

    @get("/volunteer")
    async def volunteer(self, request: Request) -> VolunteerView:
        return await volunteers.my_people(principal_of(request))

    @get("/{entry_id:int}")
    async def detail(self, request: Request, entry_id: int) -> EntryOut:
        return await service.read_entry(principal_of(request), entry_id)

    @post("/{entry_id:int}/confirm", status_code=HTTP_200_OK)
    async def confirm(self, request: Request, entry_id: int) -> EntryOut:
        return await confirmation.answer_in_app(principal_of(request), entry_id, True)

    @post("/{entry_id:int}/refuse", status_code=HTTP_200_OK)
    async def refuse(self, request: Request, entry_id: int) -> EntryOut:
        return await confirmation.answer_in_app(principal_of(request), entry_id, False)

    @post("/{entry_id:int}/remove", status_code=HTTP_204_NO_CONTENT)
    async def remove(self, request: Request, entry_id: int) -> None:
        await service.remove(principal_of(request), entry_id)

    @post("/checks/{check_id:int}/answer", status_code=HTTP_200_OK)
    async def answer(self, request: Request, check_id: int, data: AnswerIn) -> MyCheck:
        return await answers.answer(request.app.state, principal_of(request), check_id, data)

    @post("/checks/{check_id:int}/call", status_code=HTTP_200_OK)
    async def call(self, request: Request, check_id: int, data: CallIn) -> MyCheck:
        return await answers.record_call(request.app.state, principal_of(request), check_id, data)


ROUTES = [StaffRegisterController, RegisterController]
