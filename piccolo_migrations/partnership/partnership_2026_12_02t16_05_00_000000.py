from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T16:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "MairieApplication.country (FR | BE): the official list its code is read in; existing ones are French"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="partnership", description=DESCRIPTION)
    manager.add_column(
        table_class_name="MairieApplication",
        tablename="partnership_applications",
        column_name="country",
        db_column_name="country",
        column_class_name="Varchar",
        column_class=Varchar,
        params={"length": 2, "default": "FR", "null": False, "primary_key": False, "unique": False,
                "index": False, "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
                "secret": False},
        schema=None,
    )
    return manager
