"""The piccolo apps of Vigie: the core app, then one app per later domain (own migrations).

Each domain that has tables ships `backend/<domain>/piccolo_app.py` with an APP_CONFIG whose
migrations live in `piccolo_migrations/<domain>/`, so domains generate migrations
independently (`piccolo migrations new <domain> --auto`).
"""

from __future__ import annotations

import importlib
from functools import lru_cache

from piccolo.conf.apps import AppConfig

DOMAIN_APPS = ["gazette", "directory", "messages", "checkins", "mairie"]


@lru_cache(maxsize=1)
def app_modules() -> list[str]:
    modules = ["backend.piccolo_app"]
    for domain in DOMAIN_APPS:
        name = f"backend.{domain}.piccolo_app"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        modules.append(name)
    return modules


def app_configs() -> list[AppConfig]:
    return [importlib.import_module(m).APP_CONFIG for m in app_modules()]
