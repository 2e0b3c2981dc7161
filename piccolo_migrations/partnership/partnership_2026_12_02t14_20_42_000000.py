"""Existing applications get the INSEE code of their commune (the column the previous migration added):
every row keeps naming its commune whether or not it is on Vigie."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-02T14:20:42:000000"
VERSION = "1.38.0"
DESCRIPTION = "MairieApplication.insee_code filled from its commune for existing rows"

BACKFILL = (
    "UPDATE partnership_applications SET insee_code = "
    "(SELECT communes.insee_code FROM communes WHERE communes.id = partnership_applications.commune) "
    "WHERE commune IS NOT NULL AND insee_code = ''"
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="partnership", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        if engine is not None:
            await engine.run_ddl(BACKFILL)

    manager.add_raw(run)
    return manager
