"""Public, cached, rate-limited JSON behind the public map and « Vigie en chiffres » (no account)."""

from __future__ import annotations

from litestar import Controller, Request, Response, get

from backend.auth.guards import public
from backend.lib import ratelimit
from backend.lib.deps import client_ip, settings_of, valkey_of
from backend.open import service
from backend.open.schemas import OpenMap, OpenStats


async def _limit(request: Request) -> int:
    """Count the call against the caller's address; return how long answers may be kept."""
    settings = settings_of(request)
    await ratelimit.enforce(valkey_of(request), f"open:ip:{client_ip(request)}", settings.open_requests_per_minute, 60,
                            "Trop de demandes en peu de temps : réessayez dans une minute.")
    return settings.open_cache_seconds


def _public_cache(seconds: int) -> dict[str, str]:
    return {"Cache-Control": f"public, max-age={seconds}"}


class OpenController(Controller):
    path = "/api/v1/open"
    tags = ["open"]

    @get("/communes", guards=[public])
    async def communes(self, request: Request) -> Response[OpenMap]:
        """Where Vigie communities exist: départements and communes with their counts (members rounded, never
        fewer than 5, no names), whether the mairie takes part, a point on the map and the sign-up link."""
        seconds = await _limit(request)
        data = await service.cached(valkey_of(request), "open:communes", seconds, OpenMap, service.build_map)
        return Response(data, headers=_public_cache(seconds))

    @get("/stats", guards=[public])
    async def stats(self, request: Request) -> Response[OpenStats]:
        """« Vigie en chiffres »: members (rounded), communities, communes, mairies, this month's alerts by
        category and help given (check-ins answered, neighbours who went to see, carpools)."""
        seconds = await _limit(request)
        data = await service.cached(valkey_of(request), "open:stats", seconds, OpenStats, service.build_stats)
        return Response(data, headers=_public_cache(seconds))
