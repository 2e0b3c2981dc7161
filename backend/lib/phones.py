"""Phone numbers: parsed with `phonenumbers`, stored as E.164, SMS only to French and Belgian mobiles.

A national number is read in the member's country (FR by default): « 06 12 34 56 78 » is
+33612345678, and « 0470 12 34 56 » is a Belgian mobile (+32470123456) for an account in Belgium
but a landline of south-eastern France (+33470123456) for one in France — in France, a Belgian
mobile is written with its +32. « 0033… » and « +33 (0)6… » are read as well.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from backend.lib.errors import DomainError

DEFAULT_REGION = "FR"
SMS_REGIONS = ("FR", "BE")
"""Where the SMS provider delivers; a mobile elsewhere is kept for contact only."""
_MOBILE = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
INVALID_PHONE = "Numéro de téléphone invalide (ex. 06 12 34 56 78, 0470 12 34 56 ou +33612345678)."


def parse_phone(value: str, region: str = DEFAULT_REGION) -> phonenumbers.PhoneNumber | None:
    """The number `value` stands for, read in `region` when it has no country code; None if it is not a valid one."""
    value = (value or "").strip()
    if not value or len(value) > 40:
        return None
    try:
        number = phonenumbers.parse(value, (region or DEFAULT_REGION).upper())
    except NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def to_e164(value: str, region: str = DEFAULT_REGION) -> str | None:
    """`value` as E.164 (« +33612345678 »), or None when it is not a valid phone number."""
    number = parse_phone(value, region)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164) if number is not None else None


def normalise_phone(value: str, region: str = DEFAULT_REGION) -> str:
    """`value` as E.164, or DomainError 400 `invalid_phone` (French message)."""
    e164 = to_e164(value, region)
    if e164 is None:
        raise DomainError(INVALID_PHONE, "invalid_phone")
    return e164


def is_sms_capable(value: str) -> bool:
    """True for a French or Belgian mobile number (E.164 or as typed): the numbers Vigie texts."""
    number = parse_phone(value) if value else None
    return (number is not None and phonenumbers.region_code_for_number(number) in SMS_REGIONS
            and phonenumbers.number_type(number) in _MOBILE)
