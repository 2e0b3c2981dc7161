"""deliveries: a row may have no `user`, only a `phone` (SMS to a contact without a Vigie account).

`user` loses its NOT NULL: PostgreSQL alters the column; SQLite cannot, so the table is rebuilt
(new table from its own CREATE statement without the NOT NULL, copy, drop, rename, indexes again;
rows keep their ids and the AUTOINCREMENT sequence its value). Then piccolo adds `phone`.
"""

import re

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T15:49:25:937385"
VERSION = "1.38.0"
DESCRIPTION = "deliveries.user may be NULL (a phone-only SMS recipient); deliveries.phone"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="vigie", description=DESCRIPTION
    )

    async def user_nullable():
        engine = engine_finder()
        if engine.engine_type == "postgres":
            await engine.run_ddl('ALTER TABLE deliveries ALTER COLUMN "user" DROP NOT NULL')
            return
        [table] = await engine.run_ddl("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'deliveries'")
        create, count = re.subn(r'("user" INTEGER) NOT NULL', r"\1", table["sql"], count=1)
        if not count:
            return  # already nullable
        create = create.replace('CREATE TABLE "deliveries"', 'CREATE TABLE "deliveries__nullable"', 1)
        extras = [r["sql"] for r in await engine.run_ddl(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'deliveries' AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL")]
        sequence = await engine.run_ddl(
            "SELECT seq FROM sqlite_sequence WHERE name = 'deliveries'") if "AUTOINCREMENT" in create else []
        await engine.run_ddl(create)
        await engine.run_ddl('INSERT INTO "deliveries__nullable" SELECT * FROM "deliveries"')
        await engine.run_ddl('DROP TABLE "deliveries"')
        await engine.run_ddl('ALTER TABLE "deliveries__nullable" RENAME TO "deliveries"')
        for statement in extras:
            await engine.run_ddl(statement)
        if sequence:
            await engine.run_ddl(f"UPDATE sqlite_sequence SET seq = MAX(seq, {int(sequence[0]['seq'])}) "
                                 "WHERE name = 'deliveries'")

    manager.add_raw(user_nullable)

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
