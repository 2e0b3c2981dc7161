"""Phone numbers stored as E.164 (data only; hand-written): « 06 12 34 56 78 » becomes +33612345678,
read in the account's country, so an inbound SMS from +33612345678 finds its member. A number that
does not parse is left as it was, and counted in the log. SMS alerts turned on for a number that is
not a French or Belgian mobile are turned off (the fan-out no longer parses numbers)."""

import logging

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-02T06:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "users.phone normalised to E.164 where it parses; SMS off where it is not a FR/BE mobile"

log = logging.getLogger(__name__)


async def normalise_stored_phones() -> tuple[int, int]:
    """(numbers rewritten, numbers left as they were because they do not parse)."""
    from backend.auth.tables import User
    from backend.delivery.tables import DeliveryPreference
    from backend.lib.phones import is_sms_capable, to_e164

    changed = left = 0
    no_sms = []
    for row in await User.raw("SELECT id, phone, country FROM users"):
        e164 = to_e164(row["phone"], row["country"] or "FR") if row["phone"] else None
        if not is_sms_capable(e164 or ""):
            no_sms.append(row["id"])
        if not row["phone"]:
            continue
        if e164 is None:
            left += 1
            log.warning("users.phone of user %s is not a valid number: left as it is", row["id"])
        elif e164 != row["phone"]:
            await User.update({User.phone: e164}).where(User.id == row["id"])
            changed += 1
    sms_off = 0
    for start in range(0, len(no_sms), 500):
        sms_off += len(await DeliveryPreference.update({DeliveryPreference.sms: False}).where(
            DeliveryPreference.user.is_in(no_sms[start:start + 500]) & (DeliveryPreference.sms == True)  # noqa: E712
        ).returning(DeliveryPreference.id))
    log.warning("phone numbers: %s rewritten as E.164, %s left as they were (not valid numbers); SMS turned off "
                "for %s members without a French or Belgian mobile", changed, left, sms_off)
    return changed, left


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="vigie", description=DESCRIPTION)
    manager.add_raw(normalise_stored_phones)
    return manager
