"""db.on_commit(): side effects registered inside write_transaction() run after its commit only.

Runs on the test database (SQLite, or PostgreSQL with --db=postgres); each callback reads the
row back on another connection, so "after the commit" is checked, not assumed.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from backend import db
from backend.communities.tables import Commune


async def _committed(code: str) -> bool:
    """Whether the row is visible outside the transaction (the shared connection / pool)."""
    return await Commune.exists().where(Commune.insee_code == code)


async def test_callbacks_run_after_the_commit_in_order(fx_engine: Any) -> None:
    seen: list[tuple[str, bool]] = []

    def remember(name: str):
        async def callback() -> None:
            seen.append((name, await _committed("75056")))
        return callback

    async with db.write_transaction():
        await Commune.insert(Commune(insee_code="75056", name="Paris"))
        db.on_commit(remember("enqueue"))
        db.on_commit(remember("publish"))
        db.on_commit(remember("third"))
        assert seen == []  # nothing runs before the commit

    assert seen == [("enqueue", True), ("publish", True), ("third", True)]


async def test_callbacks_never_run_after_a_rollback(fx_engine: Any) -> None:
    ran: list[str] = []

    async def callback() -> None:
        ran.append("ran")

    with pytest.raises(ValueError):
        async with db.write_transaction():
            await Commune.insert(Commune(insee_code="69123", name="Lyon"))
            db.on_commit(callback)
            raise ValueError("refused half-way")

    assert ran == []
    assert not await _committed("69123")

    # The next transaction starts with no callbacks left over from the rolled-back one.
    async with db.write_transaction():
        await Commune.insert(Commune(insee_code="13055", name="Marseille"))
    assert ran == []


async def test_a_failing_callback_is_logged_and_the_others_still_run(
        fx_engine: Any, caplog: pytest.LogCaptureFixture) -> None:
    ran: list[str] = []

    async def first() -> None:
        ran.append("first")

    async def broken() -> None:
        raise ConnectionError("valkey is down")

    async def last() -> None:
        ran.append("last")

    with caplog.at_level(logging.ERROR, logger="backend.db"):
        async with db.write_transaction():
            await Commune.insert(Commune(insee_code="31555", name="Toulouse"))
            for callback in (first, broken, last):
                db.on_commit(callback)

    assert ran == ["first", "last"]
    assert await _committed("31555")
    assert any("after-commit callback" in r.getMessage() and r.exc_info and r.exc_info[0] is ConnectionError
               for r in caplog.records)


async def test_a_nested_transaction_waits_for_the_outer_commit(fx_engine: Any) -> None:
    seen: list[bool] = []

    async def callback() -> None:
        seen.append(await _committed("33063"))

    async with db.write_transaction():
        async with db.write_transaction():  # a service called inside another's transaction
            await Commune.insert(Commune(insee_code="33063", name="Bordeaux"))
            db.on_commit(callback)
        assert seen == []  # the inner block ending is no commit
    assert seen == [True]

    with pytest.raises(ValueError):
        async with db.write_transaction():
            async with db.write_transaction():
                await Commune.insert(Commune(insee_code="06088", name="Nice"))
                db.on_commit(callback)
            raise ValueError("the outer one fails after the inner one ended")
    assert seen == [True]
    assert not await _committed("06088")


async def test_on_commit_outside_a_transaction_is_refused(fx_engine: Any) -> None:
    async def callback() -> None:
        pass

    with pytest.raises(RuntimeError, match="outside write_transaction"):
        db.on_commit(callback)
