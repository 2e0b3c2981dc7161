"""Mairie endpoints: broadcasts, safety checks, dashboard, forwarded alerts and police liaison,
SMS budget, signage and the open CAP/Atom feed (the audit log: backend/audit/routes.py). Thin: parse, guard,
call a service."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.auth.guards import authenticated, commune_scope, platform_role, public
from backend.auth.principal import principal_of
from backend.communities.guards import community_scope
from backend.communities.service import commune_of_community
from backend.lib.deps import settings_of
from backend.audit import service as audit
from backend.lib import csvout
from backend.mairie import broadcasts, cap, dashboard, liaison, safety, signage
from backend.mairie.area import budget, set_budget
from backend.mairie.schemas import (
    AckIn, AckOut, AnswerIn, BroadcastIn, BroadcastOut, BroadcastPatch, BudgetIn, BudgetOut, Dashboard,
    FollowupIn, InboxItem, MySafetyCheck, PoliceContact, PreviewOut, SafetyCheckDetail, SafetyCheckIn,
    SafetyCheckOut, SignageDecisionIn, SignageIn, SignageOut,
)

STAFF = [commune_scope(staff=True, admin=True)]


def _csv(body: bytes, name: str) -> Response[bytes]:
    return Response(body, media_type=csvout.MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


class BroadcastController(Controller):
    path = "/api/v1/communes/{commune_id:int}/broadcasts"
    tags = ["mairie"]
    guards = STAFF

    @post("/preview", status_code=HTTP_200_OK)
    async def preview(self, request: Request, commune_id: int, data: BroadcastIn) -> PreviewOut:
        return await broadcasts.preview(settings_of(request), commune_id, data)

    @post("/", status_code=HTTP_201_CREATED)
    async def create(self, request: Request, commune_id: int, data: BroadcastIn) -> BroadcastOut:
        return await broadcasts.create(request.app.state, principal_of(request).user_id, commune_id, data)

    @get("/")
    async def list_broadcasts(self, commune_id: int, status: str | None = None, before: int | None = None,
                              limit: int = 50) -> list[BroadcastOut]:
        return await broadcasts.list_for_staff(commune_id, status, before, limit)

    @get("/{broadcast_id:int}")
    async def detail(self, commune_id: int, broadcast_id: int) -> BroadcastOut:
        return await broadcasts.staff_view(commune_id, broadcast_id)

    @patch("/{broadcast_id:int}")
    async def edit(self, request: Request, commune_id: int, broadcast_id: int, data: BroadcastPatch) -> BroadcastOut:
        return await broadcasts.edit(settings_of(request), principal_of(request).user_id, commune_id, broadcast_id, data)

    @post("/{broadcast_id:int}/cancel", status_code=HTTP_200_OK)
    async def cancel(self, request: Request, commune_id: int, broadcast_id: int) -> BroadcastOut:
        return await broadcasts.cancel(principal_of(request).user_id, commune_id, broadcast_id)

    @post("/{broadcast_id:int}/followups", status_code=HTTP_201_CREATED)
    async def followup(self, request: Request, commune_id: int, broadcast_id: int, data: FollowupIn) -> BroadcastOut:
        return await broadcasts.followup(request.app.state, principal_of(request).user_id, commune_id, broadcast_id,
                                         data)


class SafetyCheckController(Controller):
    path = "/api/v1/communes/{commune_id:int}/safety-checks"
    tags = ["mairie"]
    guards = STAFF

    @post("/", status_code=HTTP_201_CREATED)
    async def open_check(self, request: Request, commune_id: int, data: SafetyCheckIn) -> SafetyCheckOut:
        return await safety.open_check(request.app.state, principal_of(request).user_id, commune_id, data)

    @get("/")
    async def list_checks(self, commune_id: int) -> list[SafetyCheckOut]:
        return await safety.checks(commune_id)

    @get("/{check_id:int}")
    async def detail(self, commune_id: int, check_id: int) -> SafetyCheckDetail:
        return await safety.detail(commune_id, check_id)

    @post("/{check_id:int}/close", status_code=HTTP_200_OK)
    async def close(self, request: Request, commune_id: int, check_id: int) -> SafetyCheckOut:
        return await safety.close_check(request.app.state, principal_of(request).user_id, commune_id, check_id)


class MySafetyController(Controller):
    tags = ["mairie"]
    guards = [authenticated]

    @get("/api/v1/me/safety-checks")
    async def mine(self, request: Request) -> list[MySafetyCheck]:
        return await safety.mine_checks(principal_of(request).user_id)

    @post("/api/v1/safety-checks/{check_id:int}/answer", status_code=HTTP_200_OK)
    async def answer(self, request: Request, check_id: int, data: AnswerIn) -> MySafetyCheck:
        _, out = await safety.answer(principal_of(request).user_id, check_id, data, res=request.app.state)
        return out


class DashboardController(Controller):
    path = "/api/v1/communes/{commune_id:int}"
    tags = ["mairie"]
    guards = STAFF

    @get("/dashboard")
    async def figures(self, commune_id: int) -> Dashboard:
        return await dashboard.dashboard(commune_id)

    @get("/dashboard.csv", media_type=csvout.MEDIA_TYPE)
    async def export(self, commune_id: int, table: str) -> Response[bytes]:
        return _csv(await dashboard.table_csv(commune_id, table), f"{table}-commune-{commune_id}")

    @get("/inbox")
    async def inbox(self, commune_id: int,
                    inbox_state: str = Parameter(query="state", default="all")) -> list[InboxItem]:
        return await liaison.inbox(commune_id, inbox_state)

    @post("/forwarded-alerts/{alert_id:int}/acknowledge", status_code=HTTP_201_CREATED)
    async def acknowledge(self, request: Request, commune_id: int, alert_id: int, data: AckIn) -> AckOut:
        return await liaison.acknowledge(request.app.state, principal_of(request).user_id, commune_id, alert_id,
                                         data.note)

    @get("/police-contact")
    async def police_contact(self, commune_id: int) -> PoliceContact:
        return await liaison.police_contact(commune_id)

    @put("/police-contact")
    async def set_police_contact(self, request: Request, commune_id: int, data: PoliceContact) -> PoliceContact:
        return await liaison.set_police_contact(principal_of(request).user_id, commune_id, data.police_email)

    @get("/sms-budget")
    async def sms_budget(self, commune_id: int) -> BudgetOut:
        return await budget(commune_id)

    @put("/sms-budget", guards=[platform_role(admin=True)])
    async def set_sms_budget(self, request: Request, commune_id: int, data: BudgetIn) -> BudgetOut:
        before = await budget(commune_id)
        out = await set_budget(commune_id, data.monthly_budget)
        await audit.record(principal_of(request).user_id, "sms_budget.update", f"commune:{commune_id}",
                           {"before": before.monthly_budget, "after": out.monthly_budget}, commune_id=commune_id)
        return out

    @get("/signage-orders")
    async def signage_orders(self, commune_id: int) -> list[SignageOut]:
        return await signage.orders(commune_id=commune_id)

    @post("/signage-orders", status_code=HTTP_201_CREATED)
    async def order_signage(self, request: Request, commune_id: int, data: SignageIn) -> SignageOut:
        return await signage.order(principal_of(request).user_id, commune_id, None, data)

    @post("/signage-orders/{order_id:int}/decision", status_code=HTTP_200_OK)
    async def decide_signage(self, request: Request, commune_id: int, order_id: int,
                             data: SignageDecisionIn) -> SignageOut:
        return await signage.decide(principal_of(request).user_id, commune_id, order_id, data)


class CommunityMairieController(Controller):
    path = "/api/v1/communities/{community_id:int}"
    tags = ["mairie"]

    @get("/broadcasts", guards=[community_scope(member=True, staff=True, moderator=True, admin=True)])
    async def broadcasts(self, community_id: int, active: bool = False) -> list[BroadcastOut]:
        return await broadcasts.for_community(community_id, active_only=active)

    @get("/signage-orders", guards=[community_scope(referent=True, staff=True, admin=True)])
    async def signage_orders(self, community_id: int) -> list[SignageOut]:
        return await signage.orders(community_id=community_id)

    @post("/signage-orders", guards=[community_scope(referent=True, staff=True, admin=True)],
          status_code=HTTP_201_CREATED)
    async def order_signage(self, request: Request, community_id: int, data: SignageIn) -> SignageOut:
        commune_id = await commune_of_community(community_id)
        return await signage.order(principal_of(request).user_id, commune_id, community_id, data)  # type: ignore[arg-type]


class PublicMairieController(Controller):
    tags = ["mairie"]
    guards = [public]

    @get("/api/v1/broadcasts/{broadcast_id:int}")
    async def broadcast(self, broadcast_id: int) -> BroadcastOut:
        return await broadcasts.public_view(broadcast_id)

    @get("/api/v1/open/communes/{commune_id:int}/cap/{broadcast_id:int}", media_type=cap.CAP_MEDIA_TYPE)
    async def cap_document(self, request: Request, commune_id: int, broadcast_id: int) -> Response[bytes]:
        body = await cap.cap_document(settings_of(request), commune_id, broadcast_id)
        return Response(body, media_type=f"{cap.CAP_MEDIA_TYPE}; charset=utf-8")

    @get("/api/v1/open/communes/{commune_id:int}/feed.atom", media_type=cap.ATOM_MEDIA_TYPE)
    async def atom(self, request: Request, commune_id: int) -> Response[bytes]:
        body = await cap.atom_feed(settings_of(request), commune_id)
        return Response(body, media_type=f"{cap.ATOM_MEDIA_TYPE}; charset=utf-8")


class AcknowledgementController(Controller):
    tags = ["mairie"]

    @get("/api/v1/alerts/{alert_id:int}/acknowledgement", guards=[authenticated])
    async def acknowledgement(self, request: Request, alert_id: int) -> AckOut:
        return await liaison.acknowledgement_for(principal_of(request), alert_id)


ROUTES = [BroadcastController, SafetyCheckController, MySafetyController, DashboardController,
          CommunityMairieController, PublicMairieController, AcknowledgementController]
