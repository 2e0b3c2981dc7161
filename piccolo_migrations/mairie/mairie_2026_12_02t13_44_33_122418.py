from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T13:44:33:122418"
VERSION = "1.38.0"
DESCRIPTION = "signage orders keep the note and date of their delivery"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="mairie", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="SignageOrder",
        tablename="mairie_signage_orders",
        column_name="delivered_at",
        db_column_name="delivered_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
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

    manager.add_column(
        table_class_name="SignageOrder",
        tablename="mairie_signage_orders",
        column_name="delivery_note",
        db_column_name="delivery_note",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 500,
            "default": "",
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
