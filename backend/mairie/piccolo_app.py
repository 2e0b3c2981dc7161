from piccolo.conf.apps import AppConfig

from backend.mairie.tables import TABLES
from backend.settings import ROOT

APP_CONFIG = AppConfig(app_name="mairie", migrations_folder_path=str(ROOT / "piccolo_migrations" / "mairie"),
                       table_classes=list(TABLES), migration_dependencies=["backend.piccolo_app"], commands=[])
