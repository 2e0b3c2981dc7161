"""The single piccolo app: every table of every domain, migrations in piccolo_migrations/."""

from piccolo.conf.apps import AppConfig

from backend.alerts.tables import Alert, ModerationAction
from backend.auth.tables import User, UserSession
from backend.communities.tables import Commune, Community, MairieStaff, Membership, OfficialCommune
from backend.delivery.tables import Delivery, DeliveryPreference, Outbox, PushSubscription
from backend.settings import ROOT
from backend.verification.tables import ActivationLetter

APP_CONFIG = AppConfig(
    app_name="vigie",
    migrations_folder_path=str(ROOT / "piccolo_migrations"),
    table_classes=[
        User, UserSession, Commune, Community, Membership, MairieStaff, ActivationLetter,
        Alert, ModerationAction, PushSubscription, DeliveryPreference, Outbox, Delivery, OfficialCommune,
    ],
    migration_dependencies=[],
    commands=[],
)
