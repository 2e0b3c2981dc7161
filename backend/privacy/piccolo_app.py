from piccolo.conf.apps import AppConfig

from backend.privacy.tables import ErasureRequest, PrivacyRun
from backend.settings import ROOT

APP_CONFIG = AppConfig(
    app_name="privacy",
    migrations_folder_path=str(ROOT / "piccolo_migrations" / "privacy"),
    table_classes=[ErasureRequest, PrivacyRun],
    migration_dependencies=["backend.piccolo_app"],
    commands=[],
)
