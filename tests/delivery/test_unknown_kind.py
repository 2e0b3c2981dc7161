"""A notification kind that nobody registered fails loudly: the fan-out logs an error and keeps the outbox row."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from backend.delivery import service
from backend.delivery.jobs import fanout
from backend.delivery.tables import Delivery, Outbox


async def test_fanout_of_an_unregistered_kind_logs_an_error_and_keeps_its_outbox_row(
        fx_engine: Any, fx_settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    await service.add_outbox("nobody_kind", 41)
    with caplog.at_level(logging.ERROR, logger="backend.delivery"):
        jobs = await fanout({"settings": fx_settings, "queues": None}, kind="nobody_kind", ref_id=41)
    assert jobs == 0
    row = await Outbox.select().where((Outbox.kind == "nobody_kind") & (Outbox.ref_id == 41)).first()
    assert row is not None and row["completed_at"] is None  # kept: re-dispatched once the kind is wired
    assert await Delivery.count() == 0
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any("nobody_kind" in r.getMessage() and "no handler" in r.getMessage() for r in errors)
