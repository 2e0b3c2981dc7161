"""The audit log for admins: read it page by page, or export it as CSV."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.params import Parameter

from backend.audit import service
from backend.audit.schemas import AuditPage
from backend.auth.guards import platform_role
from backend.lib import csvout


class AuditController(Controller):
    tags = ["audit"]
    guards = [platform_role(admin=True)]

    @get("/api/v1/audit")
    async def entries(self, action: str | None = None, actor_id: int | None = Parameter(query="actor", default=None),
                      commune_id: int | None = Parameter(query="commune", default=None), before: int | None = None,
                      limit: int = 100) -> AuditPage:
        return await service.entries(action, actor_id, commune_id, before, limit)

    @get("/api/v1/audit.csv", media_type=csvout.MEDIA_TYPE)
    async def export(self, action: str | None = None, actor_id: int | None = Parameter(query="actor", default=None),
                     commune_id: int | None = Parameter(query="commune", default=None)) -> Response[bytes]:
        return Response(await service.export_csv(action, actor_id, commune_id), media_type=csvout.MEDIA_TYPE,
                        headers={"Content-Disposition": 'attachment; filename="journal-audit.csv"'})


ROUTES = [AuditController]
