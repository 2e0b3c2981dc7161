"""Records in piccolo's schema state the unique constraints and the columns that earlier raw migrations created.

Faked (`fake=True`): piccolo marks it applied without running it, as the database already has
all of it. Its content is what `piccolo migrations new vigie --auto` compares the tables with:
without it a regenerate would add the columns again, or lose the `Unique` constraints
(tests/db/test_schema_state.py checks that the tables and the migrations agree).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.constraints import Unique

ID = "2026-12-02T09:30:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "record the unique constraints and the columns created by raw SQL (faked)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="vigie", description=DESCRIPTION, fake=True
    )

    manager.add_column(
        table_class_name="Community",
        tablename="communities",
        column_name="perimeter_postal_codes",
        db_column_name="perimeter_postal_codes",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 200,
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
        table_class_name="Community",
        tablename="communities",
        column_name="perimeter_streets",
        db_column_name="perimeter_streets",
        column_class_name="Text",
        column_class=Text,
        params={
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
        table_class_name="ActivationLetter",
        tablename="activation_letters",
        column_name="address_key",
        db_column_name="address_key",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 250,
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
    manager.add_column(
        table_class_name="Delivery",
        tablename="deliveries",
        column_name="last_error",
        db_column_name="last_error",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 200,
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
        table_class_name="Delivery",
        tablename="deliveries",
        column_name="lease_until",
        db_column_name="lease_until",
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
        table_class_name="Delivery",
        tablename="deliveries",
        column_name="worker",
        db_column_name="worker",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
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
    manager.add_constraint(
        table_class_name="Membership",
        tablename="memberships",
        constraint_name="memberships_user_community_uniq",
        constraint_class=Unique,
        params={"columns": ["user", "community"], "nulls_distinct": True},
        schema=None,
    )
    manager.add_constraint(
        table_class_name="MairieStaff",
        tablename="mairie_staff",
        constraint_name="mairie_staff_user_commune_uniq",
        constraint_class=Unique,
        params={"columns": ["user", "commune"], "nulls_distinct": True},
        schema=None,
    )
    manager.add_constraint(
        table_class_name="Alert",
        tablename="alerts",
        constraint_name="alerts_idempotency",
        constraint_class=Unique,
        params={"columns": ["author", "idempotency_key"], "nulls_distinct": True},
        schema=None,
    )
    manager.add_constraint(
        table_class_name="Outbox",
        tablename="outbox",
        constraint_name="outbox_once",
        constraint_class=Unique,
        params={"columns": ["kind", "ref_id"], "nulls_distinct": True},
        schema=None,
    )
    manager.add_constraint(
        table_class_name="Delivery",
        tablename="deliveries",
        constraint_name="deliveries_once",
        constraint_class=Unique,
        params={"columns": ["kind", "ref_id", "user", "channel"], "nulls_distinct": True},
        schema=None,
    )

    return manager
