"""Limits on login failures: counted so that nobody can lock someone else out.

Only failures count, per (e-mail, client address) and per client address: ten wrong passwords
typed by a stranger lock that stranger's address out of that account, never the owner on their
own connection, and many people behind one shared address (a town hall's office, a mobile
operator's NAT) can all log in as often as they like as long as they type the right password.
Keys hold a hash of the e-mail, not the address itself. Fails open without Valkey, like every
limit (backend.lib.ratelimit).
"""

from __future__ import annotations

import hashlib

import valkey.asyncio as avalkey

from backend.lib import ratelimit
from backend.lib.errors import TooManyRequests
from backend.settings import Settings

WINDOW_SECONDS = 15 * 60
TOO_MANY_LOGINS = "Trop de tentatives de connexion. Patientez quelques minutes avant de réessayer."


class LoginFailures:
    """The failed logins of one (e-mail, client address): `check()` before, `count()` on a failure,
    `forget()` after a success (the address's own count stays: it holds other e-mails' failures)."""

    def __init__(self, client: avalkey.Valkey, email: str, ip: str, settings: Settings) -> None:
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        self.client = client
        self.pair = (f"login-fail:{digest}:{ip}", settings.login_attempts_per_15min)
        self.address = (f"login-fail-ip:{ip}", settings.login_failures_per_ip_15min)

    async def check(self) -> None:
        for key, limit in (self.pair, self.address):
            over, retry_after = await ratelimit.is_over(self.client, key, limit)
            if over:
                raise TooManyRequests(TOO_MANY_LOGINS, retry_after=retry_after)

    async def count(self) -> None:
        for key, limit in (self.pair, self.address):
            await ratelimit.enforce_after(self.client, key, limit, WINDOW_SECONDS)

    async def forget(self) -> None:
        await ratelimit.reset(self.client, self.pair[0])
