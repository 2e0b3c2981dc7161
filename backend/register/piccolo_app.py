from piccolo.conf.apps import AppConfig

from backend.register.tables import TABLES
from backend.settings import ROOT

APP_CONFIG = AppConfig(app_name="register", migrations_folder_path=str(ROOT / "piccolo_migrations" / "register"),
                       table_classes=list(TABLES), migration_dependencies=["backend.piccolo_app"], commands=[])
