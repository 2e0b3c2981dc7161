"""The convention's referent e-mail is the commune's police contact only (Commune.police_email): an
address recorded on a convention alone is copied there before the column goes."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-02T16:20:35:015015"
VERSION = "1.38.0"
DESCRIPTION = "the convention's referent e-mail is the commune's police contact only"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="partnership", description=DESCRIPTION
    )

    async def keep_addresses():
        engine = engine_finder()
        await engine.run_ddl(
            "UPDATE communes SET police_email = (SELECT k.referent_email FROM partnership_conventions k "
            "WHERE k.commune = communes.id) WHERE police_email = '' AND EXISTS (SELECT 1 FROM "
            "partnership_conventions k WHERE k.commune = communes.id AND k.referent_email <> '')")

    manager.add_raw(keep_addresses)

    manager.drop_column(
        table_class_name="Convention",
        tablename="partnership_conventions",
        column_name="referent_email",
        db_column_name="referent_email",
        schema=None,
    )

    return manager
