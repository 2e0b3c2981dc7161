"""« Mes données » (export, deletion of one's account) and the public privacy page's content."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post, put

from backend.auth import sessions
from backend.auth.guards import authenticated, public
from backend.auth.principal import principal_of
from backend.lib import ratelimit
from backend.lib.deps import queues_of, settings_of, valkey_of
from backend.privacy import policy, service
from backend.privacy.schemas import DeleteAccountIn, DeletionOut, IdentityIn, IdentityOut, PrivacyPolicy


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


class MyDataController(Controller):
    path = "/api/v1/privacy"
    tags = ["privacy"]
    guards = [authenticated]

    @get("/export")
    async def export_json(self, request: Request) -> Response[dict[str, Any]]:
        data = await service.export_data(request.app.state.domains, principal_of(request).user_id)
        return Response(data, headers=_attachment("vigie-mes-donnees.json"))

    @get("/export.html", media_type="text/html")
    async def export_html(self, request: Request) -> Response[str]:
        principal = principal_of(request)
        data = await service.export_data(request.app.state.domains, principal.user_id)
        return Response(service.export_html(data, principal.display_name), media_type="text/html; charset=utf-8",
                        headers=_attachment("vigie-mes-donnees.html"))

    @put("/identity")
    async def correct_identity(self, request: Request, data: IdentityIn) -> IdentityOut:
        fixed = await service.correct_identity(valkey_of(request), principal_of(request).user_id, data.first_name,
                                               data.last_name, data.phone)
        return IdentityOut(**fixed)

    @post("/delete-account", status_code=200)
    async def delete_account(self, request: Request, data: DeleteAccountIn) -> Response[DeletionOut]:
        principal = principal_of(request)
        await ratelimit.enforce(valkey_of(request), f"erase:{principal.user_id}", 10, 900,
                                "Trop de tentatives. Patientez quelques minutes.")
        erase_after = await service.request_erasure(settings_of(request), valkey_of(request), queues_of(request),
                                                    principal.user_id, data.password)
        response = Response(DeletionOut(**service.pending_erasure_json(erase_after)), status_code=200)
        response.delete_cookie(sessions.COOKIE_NAME, path="/")
        return response


class PrivacyPageController(Controller):
    tags = ["privacy"]

    @get("/api/v1/open/privacy", guards=[public], cache=300)
    async def policy(self, request: Request) -> PrivacyPolicy:
        return policy.privacy_policy(settings_of(request), request.app.state.domains)


ROUTES = [MyDataController, PrivacyPageController]
