"""Partnership endpoints: mairie applications (public form, admins' review), agents' invitations,
the « Participation citoyenne » convention (mairie staff), and the police/gendarmerie referent's
acknowledgement through a signed link (public: the link is the key). Thin: parse, guard, call a service."""

from __future__ import annotations

from litestar import Controller, Request, delete, get, post, put
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from backend.auth.guards import authenticated, commune_scope, platform_role, public
from backend.auth.principal import principal_of
from backend.lib.deps import client_ip, settings_of, valkey_of
from backend.lib.web import reader_locale
from backend.partnership import applications, convention, police
from backend.partnership.schemas import (
    ApplicationIn, ApplicationOut, ApplicationReceipt, CitizenReferentIn, ConventionIn, ConventionOut,
    ForwardedToPolice, InvitationAccept, InvitationOut, PoliceAckIn, PoliceAckOut, PoliceAlertView, RefusalIn, TokenIn,
)

ADMIN = [platform_role(admin=True)]
STAFF = [commune_scope(staff=True, admin=True)]


class ApplicationController(Controller):
    path = "/api/v1/mairie-applications"
    tags = ["partnership"]

    @post("/", guards=[public], status_code=HTTP_201_CREATED)
    async def apply(self, request: Request, data: ApplicationIn) -> ApplicationReceipt:
        """« Mairie vigilante et solidaire »: a mairie applies, without an account."""
        return await applications.submit(request.app.state, data, client_ip(request), reader_locale(request))

    @get("/", guards=ADMIN)
    async def list_applications(self, status: str | None = None) -> list[ApplicationOut]:
        return await applications.list_applications(status)

    @post("/{application_id:int}/approve", guards=ADMIN, status_code=HTTP_200_OK)
    async def approve(self, request: Request, application_id: int) -> ApplicationOut:
        return await applications.approve(request.app.state, principal_of(request).user_id, application_id)

    @post("/{application_id:int}/refuse", guards=ADMIN, status_code=HTTP_200_OK)
    async def refuse(self, request: Request, application_id: int, data: RefusalIn) -> ApplicationOut:
        return await applications.refuse(request.app.state, principal_of(request).user_id, application_id, data.reason)


class InvitationController(Controller):
    path = "/api/v1/invitations"
    tags = ["partnership"]
    guards = [public]  # the signed link is the key

    @post("/check", status_code=HTTP_200_OK)
    async def check(self, request: Request, data: TokenIn) -> InvitationOut:
        return await applications.invitation(settings_of(request), data.token)

    @post("/accept", status_code=HTTP_200_OK)
    async def accept(self, request: Request, data: InvitationAccept) -> InvitationOut:
        return await applications.accept_invitation(settings_of(request), valkey_of(request), data.token, data.password)


class ConventionController(Controller):
    path = "/api/v1/communes/{commune_id:int}/partnership"
    tags = ["partnership"]
    guards = STAFF

    @get("/")
    async def get_convention(self, commune_id: int) -> ConventionOut:
        return await convention.get_convention(commune_id)

    @put("/")
    async def save_convention(self, request: Request, commune_id: int, data: ConventionIn) -> ConventionOut:
        return await convention.save_convention(principal_of(request).user_id, commune_id, data)

    @post("/citizen-referents", status_code=HTTP_200_OK)
    async def add_referent(self, request: Request, commune_id: int, data: CitizenReferentIn) -> ConventionOut:
        return await convention.add_citizen_referent(principal_of(request).user_id, commune_id, data.user_id)

    @delete("/citizen-referents/{user_id:int}", status_code=HTTP_200_OK)
    async def remove_referent(self, request: Request, commune_id: int, user_id: int) -> ConventionOut:
        return await convention.remove_citizen_referent(principal_of(request).user_id, commune_id, user_id)

    @get("/police-alerts")
    async def police_alerts(self, commune_id: int) -> list[ForwardedToPolice]:
        return await police.forwarded_to_police(commune_id)


class PoliceAckController(Controller):
    path = "/api/v1/police-acknowledgements"
    tags = ["partnership"]
    guards = [public]  # the signed link of the police mail is the key

    @post("/view", status_code=HTTP_200_OK)
    async def view(self, request: Request, data: TokenIn) -> PoliceAlertView:
        return await police.view(settings_of(request), data.token)

    @post("/", status_code=HTTP_201_CREATED)
    async def acknowledge(self, request: Request, data: PoliceAckIn) -> PoliceAckOut:
        return await police.acknowledge(settings_of(request), data.token, data.name, data.note)


class AlertPoliceAckController(Controller):
    path = "/api/v1/alerts/{alert_id:int}/police-acknowledgement"
    tags = ["partnership"]

    @get("/", guards=[authenticated])
    async def read(self, request: Request, alert_id: int) -> PoliceAckOut:
        """For the alert's author, the commune's staff, moderators and admins (403 for others)."""
        return await police.acknowledgement_for(principal_of(request), alert_id)


ROUTES = [ApplicationController, InvitationController, ConventionController, PoliceAckController,
          AlertPoliceAckController]
