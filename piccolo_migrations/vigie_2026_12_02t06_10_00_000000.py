"""Community perimeters (listed streets / postal codes) and the address letters are counted by
(additive; hand-written, raw SQL, then a backfill of the existing letters)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T06:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "communities.perimeter_streets, perimeter_postal_codes; activation_letters.address_key (backfilled)"

STATEMENTS = [
    "ALTER TABLE communities ADD COLUMN perimeter_streets TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE communities ADD COLUMN perimeter_postal_codes VARCHAR(200) NOT NULL DEFAULT ''",
    "ALTER TABLE activation_letters ADD COLUMN address_key VARCHAR(250) NOT NULL DEFAULT ''",
    "CREATE INDEX IF NOT EXISTS activation_letters_address_key ON activation_letters (address_key)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="vigie", description=DESCRIPTION)

    async def run():
        from backend.auth.tables import User
        from backend.verification.service import address_key
        from backend.verification.tables import ActivationLetter

        for sql in STATEMENTS:
            await ActivationLetter.raw(sql)
        # Letters made before: keyed by their account's current address.
        users = await User.raw(
            "SELECT id, address_line1, postal_code FROM users WHERE id IN "
            "(SELECT DISTINCT \"user\" FROM activation_letters WHERE address_key = '')")
        for u in users:
            await ActivationLetter.update({ActivationLetter.address_key: address_key(u["address_line1"], u["postal_code"])}
                                          ).where((ActivationLetter.user == u["id"]) & (ActivationLetter.address_key == ""))

    manager.add_raw(run)
    return manager
