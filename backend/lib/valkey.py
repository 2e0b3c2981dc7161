"""One valkey.asyncio client per process (and event loop)."""

from __future__ import annotations

import valkey.asyncio as avalkey


def make_client(url: str) -> avalkey.Valkey:
    """A client for `url` (redis:// or valkey:// scheme) with short timeouts so an outage fails fast."""
    if url.startswith("valkey://"):
        url = "redis://" + url[len("valkey://"):]
    return avalkey.Valkey.from_url(
        url,
        socket_connect_timeout=2,
        socket_timeout=5,
        health_check_interval=15,
        retry_on_timeout=False,
    )
