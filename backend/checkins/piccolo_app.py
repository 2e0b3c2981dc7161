from piccolo.conf.apps import AppConfig

from backend.settings import ROOT
from backend.checkins.tables import Checkin, CheckinEvent, CheckinRound, CheckinWatcher

APP_CONFIG = AppConfig(
    app_name="solidarity",
    migrations_folder_path=str(ROOT / "piccolo_migrations" / "solidarity"),
    table_classes=[Checkin, CheckinWatcher, CheckinRound, CheckinEvent],
    migration_dependencies=["backend.piccolo_app"],
    commands=[],
)
