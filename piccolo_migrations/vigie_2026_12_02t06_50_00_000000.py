"""Phone numbers stored as E.164 (data only; hand-written): « 06 12 34 56 78 » becomes +33612345678,
read in the account's country, so an inbound SMS from +33612345678 finds its member. A number that
does not parse is left as it was, and counted in the log."""

import logging

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T06:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "users.phone normalised to E.164 where it parses"

log = logging.getLogger(__name__)


async def normalise_stored_phones() -> tuple[int, int]:
    """(numbers rewritten, numbers left as they were because they do not parse)."""
    from backend.auth.tables import User
    from backend.lib.phones import to_e164

    changed = left = 0
    for row in await User.raw("SELECT id, phone, country FROM users WHERE phone != ''"):
        e164 = to_e164(row["phone"], row["country"] or "FR")
        if e164 is None:
            left += 1
            log.warning("users.phone of user %s is not a valid number: left as it is", row["id"])
        elif e164 != row["phone"]:
            await User.update({User.phone: e164}).where(User.id == row["id"])
            changed += 1
    log.warning("phone numbers: %s rewritten as E.164, %s left as they were (not valid numbers)", changed, left)
    return changed, left


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="vigie", description=DESCRIPTION)
    manager.add_raw(normalise_stored_phones)
    return manager
