from piccolo.conf.apps import AppConfig

from backend.partnership.tables import TABLES
from backend.settings import ROOT

APP_CONFIG = AppConfig(app_name="partnership", migrations_folder_path=str(ROOT / "piccolo_migrations" / "partnership"),
                       table_classes=list(TABLES), migration_dependencies=["backend.piccolo_app"], commands=[])
