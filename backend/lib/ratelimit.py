"""Fixed-window rate limits held in Valkey (shared by every API instance)."""

from __future__ import annotations

import logging

import valkey.asyncio as avalkey
from valkey.exceptions import ValkeyError

from backend.lib.errors import TooManyRequests

log = logging.getLogger(__name__)


async def hit(client: avalkey.Valkey, key: str, limit: int, window_seconds: int, amount: int = 1) -> tuple[int, int]:
    """Count `amount` hits on `key`; return (count in window, seconds until the window ends)."""
    pipe = client.pipeline(transaction=True)
    pipe.incrby(f"rl:{key}", amount)
    pipe.expire(f"rl:{key}", window_seconds, nx=True)
    pipe.ttl(f"rl:{key}")
    count, _, ttl = await pipe.execute()
    return int(count), max(int(ttl), 1)


async def enforce(
    client: avalkey.Valkey, key: str, limit: int, window_seconds: int, detail: str
) -> None:
    """Raise 429 with `detail` once `key` passed `limit` hits in the window.

    Fails open when Valkey is unreachable: refusing every login or alert because the
    cache is down would do more harm than a short unlimited window.
    """
    try:
        count, ttl = await hit(client, key, limit, window_seconds)
    except (ValkeyError, OSError) as exc:
        log.warning("rate limit %s not enforced, Valkey unavailable: %s", key.split(":")[0], exc)
        return
    if count > limit:
        raise TooManyRequests(detail, retry_after=ttl)


async def reset(client: avalkey.Valkey, key: str) -> None:
    try:
        await client.delete(f"rl:{key}")
    except (ValkeyError, OSError):
        pass


async def enforce_after(client: avalkey.Valkey, key: str, limit: int, window_seconds: int, amount: int = 1) -> None:
    """Count an action already done (never refuses it); `is_over` tells whether the next one would be."""
    try:
        await hit(client, key, limit, window_seconds, amount)
    except (ValkeyError, OSError):
        pass


async def is_over(client: avalkey.Valkey, key: str, limit: int) -> tuple[bool, int]:
    """Whether `key` already reached `limit` in its window, and seconds left; fails open."""
    try:
        pipe = client.pipeline(transaction=False)
        pipe.get(f"rl:{key}")
        pipe.ttl(f"rl:{key}")
        count, ttl = await pipe.execute()
    except (ValkeyError, OSError):
        return False, 0
    return int(count or 0) >= limit, max(int(ttl), 1)


class CreationLimit:
    """A limit on things a member creates (alerts, posts, messages…), counted in Valkey.

    `check()` before creating refuses with 429 once the window already holds `limit` of them;
    `count()` after a real creation — never for a replay or a refused request, so an offline
    outbox replaying, or a form sent twice by mistake, uses nothing up. Fails open while
    Valkey is down. `detail` may hold `{minutes}`: the minutes left in the window. A request
    that creates several things at once (photos) passes `n` to both.
    """

    def __init__(self, client: avalkey.Valkey, key: str, limit: int, window_seconds: int, detail: str,
                 code: str) -> None:
        self.client, self.key, self.limit, self.window_seconds = client, key, limit, window_seconds
        self.detail, self.code = detail, code

    async def check(self, n: int = 1) -> None:
        over, retry_after = await is_over(self.client, self.key, self.limit - n + 1)
        if over:
            minutes = max(1, -(-retry_after // 60))
            raise TooManyRequests(self.detail.format(minutes=minutes), self.code, retry_after=retry_after)

    async def count(self, n: int = 1) -> None:
        await enforce_after(self.client, self.key, self.limit, self.window_seconds, n)
