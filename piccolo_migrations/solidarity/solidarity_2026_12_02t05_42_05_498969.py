from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T05:42:05:498969"
VERSION = "1.38.0"
DESCRIPTION = "the person's own confirmation of a check-in (person_confirmation, confirmed_at, confirmed_via)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="solidarity", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Checkin",
        tablename="checkins",
        column_name="confirmed_at",
        db_column_name="confirmed_at",
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
        table_class_name="Checkin",
        tablename="checkins",
        column_name="confirmed_via",
        db_column_name="confirmed_via",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 6,
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

    manager.add_column(
        table_class_name="Checkin",
        tablename="checkins",
        column_name="person_confirmation",
        db_column_name="person_confirmation",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 10,
            "default": "confirmed",
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
