"""users.phone_mobile backfilled (data only; hand-written): each stored phone parsed once with
`phonenumbers` (lib.phones.is_sms_capable), so the fan-out reads a column instead of sending an
urgent SMS to a landline. Rows are updated in batches of ids, not one statement per user."""

import logging

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T15:50:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "users.phone_mobile set for the stored phones that are French or Belgian mobiles"

log = logging.getLogger(__name__)


async def backfill_phone_mobile() -> int:
    """How many users have a mobile (set True; every other row keeps the default False)."""
    from backend.auth.tables import User
    from backend.lib.phones import is_sms_capable

    mobiles = [r["id"] for r in await User.raw("SELECT id, phone FROM users WHERE phone != ''")
               if is_sms_capable(r["phone"] or "")]
    for start in range(0, len(mobiles), 500):
        await User.update({User.phone_mobile: True}).where(User.id.is_in(mobiles[start:start + 500]))
    log.warning("users.phone_mobile: %s mobiles (French or Belgian) among the stored phones", len(mobiles))
    return len(mobiles)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="vigie", description=DESCRIPTION)
    manager.add_raw(backfill_phone_mobile)
    return manager
