from piccolo.conf.apps import AppConfig

from backend.directory.tables import Profile, ProfilePhoto
from backend.settings import ROOT

APP_CONFIG = AppConfig(
    app_name="directory",
    migrations_folder_path=str(ROOT / "piccolo_migrations" / "directory"),
    table_classes=[Profile, ProfilePhoto],
    migration_dependencies=["backend.piccolo_app"],
    commands=[],
)
