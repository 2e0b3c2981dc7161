from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-26T06:25:50:910714"
VERSION = "1.38.0"
DESCRIPTION = "delivery_preferences.email_messages: private messages by e-mail (digest)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="vigie", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="DeliveryPreference",
        tablename="delivery_preferences",
        column_name="email_messages",
        db_column_name="email_messages",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
