"""GET /api/v1/live: the Server-Sent Events stream of what the caller may see."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import ServerSentEvent

from backend.auth.guards import authenticated
from backend.auth.principal import principal_of
from backend.live import service
from backend.live.service import LiveChannels


@get("/api/v1/live", guards=[authenticated], media_type="text/event-stream")
async def live_stream(request: Request, channels: LiveChannels, max_seconds: float | None = None) -> ServerSentEvent:
    """Events of the caller's channels; `max_seconds` may only shorten the stream's lifetime."""
    names = await service.channels_for(principal_of(request))
    return ServerSentEvent(service.event_stream(channels, names, max_seconds))


ROUTES = [live_stream]
