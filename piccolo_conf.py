"""piccolo's entry point (CLI and migrations): the engine and app registry from settings."""

from piccolo.conf.apps import AppRegistry

from backend.apps import app_modules
from backend.db import make_engine
from backend.settings import get_settings

DB = make_engine(get_settings())

APP_REGISTRY = AppRegistry(apps=app_modules())
