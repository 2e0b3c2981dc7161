"""deliveries.state loses its own index: `deliveries_in_flight (state, lease_until)` starts with
`state`, so it answers every lookup by state the single-column index answered, and each claim
and outcome (two state changes per delivery) no longer updates a second index.

bench/fanout.py (3 Dec 2026): the SQLite thread was ~20 % of a worker's samples during the
pushes, most of it claims and outcome UPDATEs."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

ID = "2026-12-03T18:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "drop deliveries.state's own index (deliveries_in_flight (state, lease_until) covers it)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="vigie", description=DESCRIPTION)
    manager.alter_column(
        table_class_name="Delivery", tablename="deliveries", column_name="state", db_column_name="state",
        params={"index": False}, old_params={"index": True}, column_class=Varchar, old_column_class=Varchar,
        schema=None,
    )
    return manager
