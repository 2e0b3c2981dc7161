"""Records in piccolo's schema state what the raw migration before did (faked: `fake=True`):
`insee_code` no longer unique alone, unique (country, insee_code) on both commune tables."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.constraints import Unique

ID = "2026-12-02T16:00:20:000000"
VERSION = "1.38.0"
DESCRIPTION = "record unique (country, insee_code) on communes and official_communes (faked)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="vigie", description=DESCRIPTION, fake=True)
    for class_name, table in (("Commune", "communes"), ("OfficialCommune", "official_communes")):
        manager.alter_column(
            table_class_name=class_name, tablename=table, column_name="insee_code", db_column_name="insee_code",
            params={"unique": False}, old_params={"unique": True}, column_class=Varchar, old_column_class=Varchar,
            schema=None,
        )
        manager.add_constraint(
            table_class_name=class_name, tablename=table, constraint_name=f"{table}_country_code_uniq",
            constraint_class=Unique, params={"columns": ["country", "insee_code"], "nulls_distinct": True},
            schema=None,
        )
    return manager
