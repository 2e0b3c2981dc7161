"""deliveries.phone: a row may have no `user`, only a `phone` (SMS to a contact without a Vigie account).

`user` was nullable already (piccolo's ForeignKey is `null=True` unless told otherwise, on both
engines); the table now says so.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T15:49:25:937385"
VERSION = "1.38.0"
DESCRIPTION = "deliveries.phone: SMS to a person without an account (user NULL)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="vigie", description=DESCRIPTION
    )


    manager.add_column(
        table_class_name="Delivery",
        tablename="deliveries",
        column_name="phone",
        db_column_name="phone",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 20,
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
