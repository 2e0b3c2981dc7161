from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T16:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Commune.country, OfficialCommune.country (FR | BE): existing rows are French"


def _country(table_class_name: str, tablename: str) -> dict:
    return dict(
        table_class_name=table_class_name, tablename=tablename, column_name="country", db_column_name="country",
        column_class_name="Varchar", column_class=Varchar,
        params={"length": 2, "default": "FR", "null": False, "primary_key": False, "unique": False,
                "index": False, "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
                "secret": False},
        schema=None,
    )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="vigie", description=DESCRIPTION)
    # ADD COLUMN … DEFAULT 'FR' fills every existing row on both engines: the backfill (existing = FR)
    manager.add_column(**_country("Commune", "communes"))
    manager.add_column(**_country("OfficialCommune", "official_communes"))
    return manager
