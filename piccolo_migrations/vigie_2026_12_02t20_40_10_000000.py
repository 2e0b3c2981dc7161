"""users.sort_name filled for the accounts already there.

Hand-written. The folding is Python's (`lib.text.sort_name`: casefold, ligatures, accents off), so
the rows are read and written back here, 400 a statement (the 300,600 users of bench/scale.py's
database within a 40 s bench run).

No index on it: on bench/scale.py's database PostgreSQL walked an index (sort_name, id) across the
whole network and probed each person's membership (110–150 ms for the first page of a
2,000-member community); without it, it reads the community's memberships and keeps the first
page with a top-N sort (8–11 ms), the same rows the directory read before.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T20:40:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "users.sort_name filled (lib.text.sort_name)"
BATCH = 400


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="vigie", description=DESCRIPTION)

    async def run():
        from backend.auth.tables import User
        from backend.lib.sql import raw
        from backend.lib.text import sort_name

        after = 0
        while True:
            rows = await raw(User, "SELECT id, first_name, last_name FROM users WHERE id > {} ORDER BY id LIMIT {}",
                             after, BATCH)
            if not rows:
                break
            after = rows[-1]["id"]
            cases = " ".join(["WHEN {} THEN {}"] * len(rows))
            await raw(User, f"UPDATE users SET sort_name = CASE id {cases} END WHERE id IN ("
                      + ", ".join(["{}"] * len(rows)) + ")",
                      *[v for r in rows for v in (r["id"], sort_name(r["first_name"], r["last_name"]))],
                      *[r["id"] for r in rows])

    manager.add_raw(run)
    return manager
