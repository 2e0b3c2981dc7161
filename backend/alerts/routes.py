"""Alert endpoints: post (idempotent), feed, detail, resolve; moderation queue; mairie inbox."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.alerts import service
from backend.alerts.schemas import AlertIn, AlertOptions, AlertOut, AlertPage, ModerateIn, ModerationEntry, ResolveIn
from backend.auth.guards import authenticated, commune_scope, platform_role
from backend.auth.principal import principal_of
from backend.communities.guards import community_scope
from backend.lib.deps import settings_of


class CommunityAlertController(Controller):
    path = "/api/v1/communities/{community_id:int}/alerts"
    tags = ["alerts"]

    @post("/", guards=[community_scope(member=True)], status_code=HTTP_201_CREATED)
    async def post_alert(self, request: Request, community_id: int, data: AlertIn,
                         idempotency_key: str | None = Parameter(header="Idempotency-Key", default=None)
                         ) -> Response[AlertOut]:
        alert, created = await service.create_alert(request.app.state, principal_of(request).user_id, community_id,
                                                    data, idempotency_key)
        # A replay (an offline outbox sending again) gets the first alert: 200, nothing new.
        return Response(alert, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @get("/options", guards=[community_scope(member=True)])
    async def options(self, request: Request, community_id: int) -> AlertOptions:
        """What the alert form offers here: the police option only where a contact is set."""
        return await service.alert_options(community_id, settings_of(request).police_email)

    @get("/", guards=[community_scope(member=True, staff=True, moderator=True, admin=True)])
    async def list_alerts(self, request: Request, community_id: int, before: int | None = None,
                          limit: int = 50) -> AlertPage:
        return await service.list_alerts(principal_of(request), community_id, before, limit)


class AlertController(Controller):
    path = "/api/v1/alerts"
    tags = ["alerts"]

    @get("/{alert_id:int}", guards=[authenticated])
    async def detail(self, request: Request, alert_id: int) -> AlertOut:
        return await service.get_alert(principal_of(request), alert_id)

    @post("/{alert_id:int}/resolve", guards=[authenticated], status_code=HTTP_200_OK)
    async def resolve(self, request: Request, alert_id: int, data: ResolveIn) -> AlertOut:
        return await service.resolve(request.app.state, principal_of(request), alert_id, data.resolution)


class ModerationController(Controller):
    path = "/api/v1/moderation/alerts"
    tags = ["moderation"]
    guards = [platform_role(moderator=True, admin=True)]

    @get("/")
    async def queue(self, moderation_state: str = Parameter(query="state", default="pending")) -> list[AlertOut]:
        return await service.moderation_queue(moderation_state)

    @post("/{alert_id:int}", status_code=HTTP_200_OK)
    async def moderate(self, request: Request, alert_id: int, data: ModerateIn) -> AlertOut:
        return await service.moderate(request.app.state, principal_of(request).user_id, alert_id, data.action,
                                      data.reason)

    @get("/{alert_id:int}/history")
    async def history(self, alert_id: int) -> list[ModerationEntry]:
        return await service.moderation_history(alert_id)


class MairieInboxController(Controller):
    path = "/api/v1/communes/{commune_id:int}/forwarded-alerts"
    tags = ["mairie"]

    @get("/", guards=[commune_scope(staff=True, admin=True)])
    async def forwarded(self, commune_id: int) -> list[AlertOut]:
        return await service.forwarded_to_mairie(commune_id)


ROUTES = [CommunityAlertController, AlertController, ModerationController, MairieInboxController]
"""Alerts by SMS come through the inbound-SMS webhook of delivery (backend/alerts/sms_commands.py)."""
