"""argon2id password hashing, off the event loop."""

from __future__ import annotations

import asyncio
import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@functools.cache
def _dummy() -> str:
    """A real hash to compare against when the account does not exist, so timing does not reveal it.
    Made on first use (in the verifying thread), not at import: every process importing the app
    (`vigie` commands, servers, workers) otherwise paid a hash (~0.1-0.2 s) it mostly never used."""
    return _hasher.hash("vigie-dummy-password")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(password_hash or _dummy(), password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)
