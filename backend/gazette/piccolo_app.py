from piccolo.conf.apps import AppConfig

from backend.gazette.tables import TABLES
from backend.settings import ROOT

APP_CONFIG = AppConfig(app_name="gazette", migrations_folder_path=str(ROOT / "piccolo_migrations" / "gazette"),
                       table_classes=list(TABLES), migration_dependencies=["backend.piccolo_app"], commands=[])
