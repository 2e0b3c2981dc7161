"""The app hashes passwords with argon2id at argon2-cffi's production profile (RFC 9106, low memory).

The suite's shared test hash (tests/conftest.py's TEST_HASHER) is cheaper; this checks that what
the app itself stores — sign-up, password change and reset, mairie agents — never is.
"""

from __future__ import annotations

from argon2 import Type, extract_parameters
from argon2.profiles import RFC_9106_LOW_MEMORY

from backend.auth import passwords
from backend.auth.passwords import hash_password, verify_password


async def test_the_app_hashes_at_the_production_cost() -> None:
    stored = await hash_password("un-mot-de-passe-long")
    params = extract_parameters(stored)
    assert params == RFC_9106_LOW_MEMORY and params.type is Type.ID
    assert (params.time_cost, params.memory_cost, params.parallelism) == (3, 65536, 4)
    assert extract_parameters(passwords._dummy()) == RFC_9106_LOW_MEMORY  # unknown accounts cost the same
    assert await verify_password(stored, "un-mot-de-passe-long")
    assert not await verify_password(stored, "un-autre-mot-de-passe")

