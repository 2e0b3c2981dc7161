"""Building or running an app never moves the process to another database behind its back: an app
binds the tables to its engine in its lifespan, restores the binding found before when it stops,
and a second app on another engine while one runs is refused out loud."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend import db
from backend.app import create_app
from backend.auth.tables import User
from backend.communities.tables import Commune
from backend.demo import make_commune
from backend.settings import Settings


def elsewhere(settings: Settings, tmp_path: Path) -> Settings:
    return settings.with_(database_url=f"sqlite:///{tmp_path / 'other.db'}", run_workers_in_process=False)


async def test_building_an_app_on_another_database_leaves_the_process_on_its_own(fx_settings, fx_engine, tmp_path):
    create_app(elsewhere(fx_settings, tmp_path))  # as the API docs test and the settings checks do
    assert User._meta.db is fx_engine and Commune._meta.db is fx_engine and db.engine() is fx_engine
    await make_commune()
    assert await Commune.count() == 1  # still the session's database, its tables there


async def test_an_app_binds_its_engine_while_it_runs_and_restores_the_binding_after(fx_settings, fx_engine,
                                                                                   tmp_path):
    app = create_app(elsewhere(fx_settings, tmp_path))
    async with app.lifespan():
        running: Any = User._meta.db
        assert running is not fx_engine and running.path.endswith("other.db")
        assert Commune._meta.db is running and db.engine() is running
    assert User._meta.db is fx_engine and Commune._meta.db is fx_engine and db.engine() is fx_engine


async def test_a_second_app_on_another_database_is_refused_while_one_runs(fx_app, fx_settings, fx_engine, tmp_path):
    other = create_app(elsewhere(fx_settings, tmp_path))
    refused: list[BaseException] = []
    try:
        async with other.lifespan():
            pytest.fail("a second app on another database started")
    except* db.EngineConflict as group:  # Litestar's lifespan task group wraps it
        refused = list(group.exceptions)
    assert refused and "another app of this process runs on " in str(refused[0])
    assert "other.db would move every table to it" in str(refused[0])  # the other app's, named
    assert User._meta.db is fx_engine and db.engine() is fx_engine
    same = create_app(fx_settings.with_(run_workers_in_process=False), engine=fx_engine)
    async with same.lifespan():  # a second app on the same engine is fine (tests start several)
        assert User._meta.db is fx_engine
    assert User._meta.db is fx_engine  # the first app still holds it
