"""The piccolo apps of Vigie, from the one list of domains (backend/domains.py).

The core app (`backend/piccolo_app.py`, app_name `vigie`) comes first; each domain with tables of
its own names its app in its `DOMAIN.piccolo_app`, with migrations in
`piccolo_migrations/<app_name>/`, so domains generate migrations independently
(`piccolo migrations new <app_name> --auto`).
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from piccolo.conf.apps import AppConfig, AppRegistry
from piccolo.engine.base import Engine
from piccolo.table import Table

from backend import db
from backend.domains import CORE_PICCOLO_APP, DOMAINS


def app_modules() -> list[str]:
    """Module paths of every piccolo app, the core app first (piccolo_conf.APP_REGISTRY)."""
    return [CORE_PICCOLO_APP, *(domain.piccolo_app for domain in DOMAINS if domain.piccolo_app)]


def app_configs() -> list[AppConfig]:
    """The apps' configs in the same order (piccolo's AppRegistry imports each module's APP_CONFIG)."""
    return list(AppRegistry(apps=app_modules()).app_configs.values())


def all_tables() -> list[type[Table]]:
    """Every table of every app, parents before children."""
    return [table for config in app_configs() for table in config.table_classes]


def bind_engine(engine: Engine) -> Engine:
    """Make every table of every app use `engine` (see backend.db.bind_engine): for a process that
    runs one thing (the CLI, a bench, the test session); an app binds in its lifespan (engine_held)."""
    return db.bind_engine(engine, all_tables())


def engine_held(engine: Engine) -> AbstractContextManager[Engine]:
    """Every table of every app on `engine` while an app runs, the binding before restored after
    (see backend.db.engine_held: a second app on another engine is refused)."""
    return db.engine_held(engine, all_tables())
