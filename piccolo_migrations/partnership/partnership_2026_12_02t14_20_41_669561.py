from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T14:20:41:669561"
VERSION = "1.38.0"
DESCRIPTION = "MairieApplication.insee_code: the commune picked from the official list (the Vigie commune is set on approval)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="partnership", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="MairieApplication",
        tablename="partnership_applications",
        column_name="insee_code",
        db_column_name="insee_code",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 10,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
