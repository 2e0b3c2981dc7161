"""Veille solidaire endpoints: setting up, invitations, the person's button, "je passe voir",
"tout va bien", alert links, history. Who may do what is checked in the service."""

from __future__ import annotations

from litestar import Controller, Request, delete, get, patch, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from backend.auth.guards import authenticated
from backend.auth.principal import principal_of
from backend.communities.guards import community_scope
from backend.lib.deps import queues_of
from backend.checkins import actions, management, views
from backend.checkins.schemas import (
    ActionOut, CandidateOut, CheckinIn, CheckinOut, CheckinPatch, EventOut, HistoryPage, LinkAlertIn, MyCheckins,
    ResolveIn, StopIn, WatcherIn,
)


class CommunityCheckinController(Controller):
    path = "/api/v1/communities/{community_id:int}/checkins"
    tags = ["solidarity"]

    @post("/", guards=[community_scope(member=True)], status_code=HTTP_201_CREATED)
    async def create(self, request: Request, community_id: int, data: CheckinIn) -> CheckinOut:
        return await management.create_checkin(queues_of(request), principal_of(request), community_id, data)

    @get("/", guards=[community_scope(referent=True)])
    async def list_checkins(self, request: Request, community_id: int) -> list[CheckinOut]:
        return await views.community_checkins(principal_of(request), community_id)

    @get("/candidates", guards=[community_scope(member=True)])
    async def candidates(self, community_id: int, q: str = "") -> list[CandidateOut]:
        return await views.candidates(community_id, q)


class CheckinController(Controller):
    path = "/api/v1/solidarity/checkins"
    tags = ["solidarity"]
    guards = [authenticated]  # then: the person, accepted watchers, referents (404 for anyone else)

    @get("/")
    async def mine(self, request: Request) -> MyCheckins:
        return await views.my_checkins(principal_of(request))

    @get("/{checkin_id:int}")
    async def detail(self, request: Request, checkin_id: int) -> CheckinOut:
        return await views.checkin_out(principal_of(request), checkin_id)

    @patch("/{checkin_id:int}")
    async def update(self, request: Request, checkin_id: int, data: CheckinPatch) -> CheckinOut:
        return await management.update_checkin(principal_of(request), checkin_id, data)

    @post("/{checkin_id:int}/stop", status_code=HTTP_200_OK)
    async def stop(self, request: Request, checkin_id: int, data: StopIn) -> CheckinOut:
        return await management.stop_checkin(principal_of(request), checkin_id, data.reason)

    @post("/{checkin_id:int}/watchers", status_code=HTTP_201_CREATED)
    async def invite(self, request: Request, checkin_id: int, data: WatcherIn) -> CheckinOut:
        return await management.invite_watcher(queues_of(request), principal_of(request), checkin_id, data.user_id)

    @delete("/{checkin_id:int}/watchers/{user_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def remove_watcher(self, request: Request, checkin_id: int, user_id: int) -> None:
        await management.remove_watcher(principal_of(request), checkin_id, user_id)

    @post("/{checkin_id:int}/invitation/accept", status_code=HTTP_200_OK)
    async def accept(self, request: Request, checkin_id: int) -> CheckinOut:
        return await management.accept_invitation(principal_of(request), checkin_id)

    @post("/{checkin_id:int}/invitation/decline", status_code=HTTP_204_NO_CONTENT)
    async def decline(self, request: Request, checkin_id: int) -> None:
        await management.answer_invitation(principal_of(request), checkin_id, False)

    @post("/{checkin_id:int}/confirm", status_code=HTTP_200_OK)
    async def confirm(self, request: Request, checkin_id: int) -> CheckinOut:
        return await management.answer_as_person(queues_of(request), principal_of(request), checkin_id, True)

    @post("/{checkin_id:int}/refuse", status_code=HTTP_200_OK)
    async def refuse(self, request: Request, checkin_id: int) -> CheckinOut:
        return await management.answer_as_person(queues_of(request), principal_of(request), checkin_id, False)

    @post("/{checkin_id:int}/check-in", status_code=HTTP_200_OK)
    async def check_in(self, request: Request, checkin_id: int) -> ActionOut:
        return await actions.check_in(queues_of(request), principal_of(request), checkin_id)

    @post("/{checkin_id:int}/going", status_code=HTTP_200_OK)
    async def going(self, request: Request, checkin_id: int) -> ActionOut:
        return await actions.someone_going(queues_of(request), principal_of(request), checkin_id)

    @post("/{checkin_id:int}/resolve", status_code=HTTP_200_OK)
    async def resolve(self, request: Request, checkin_id: int, data: ResolveIn) -> ActionOut:
        return await actions.resolve(queues_of(request), principal_of(request), checkin_id, data.note)

    @post("/{checkin_id:int}/link-alert", status_code=HTTP_200_OK)
    async def link_alert(self, request: Request, checkin_id: int, data: LinkAlertIn) -> EventOut:
        return await actions.link_alert(principal_of(request), checkin_id, data.alert_id)

    @get("/{checkin_id:int}/history")
    async def history(self, request: Request, checkin_id: int, before: int | None = None,
                      limit: int = 50) -> HistoryPage:
        return await views.history(principal_of(request), checkin_id, before, limit)


ROUTES = [CommunityCheckinController, CheckinController]
