"""Phone numbers in E.164, the one form LeadGate stores (`phonenumbers`, Google's libphonenumber).

People type numbers every way ("0170 1234567", "+49 (170) 123 45 67",
"0049170…"); a number without a country code belongs to the workspace's
region (Workspace.phone_region, DE by default).
"""

import phonenumbers
from flask_babel import lazy_gettext as _l

DEFAULT_REGION = "DE"


class InvalidPhone(ValueError):
    """The text is not a phone number that WhatsApp could reach; str() says why."""


def normalise(raw: str | None, region: str = DEFAULT_REGION) -> str:
    """The number as E.164 ("+491701234567"), or InvalidPhone with the reason."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone(_l("Bitte eine Telefonnummer angeben."))
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region or DEFAULT_REGION)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone(_l("Das ist keine Telefonnummer.")) from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(_l("Diese Telefonnummer gibt es nicht."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def wa_id_of(e164: str) -> str:
    """WhatsApp's id for a number: its E.164 digits without "+"."""
    return e164.removeprefix("+")


def e164_of_wa_id(wa_id: str | None) -> str | None:
    """The E.164 form of a WhatsApp id as Meta sends it (digits with country code)."""
    return f"+{wa_id}" if wa_id else None


def pretty(e164: str | None) -> str:
    """The number for people: international format with spaces."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


def regions(locale) -> list[tuple[str, str]]:
    """(code, country name in the reader's language) for every region, by name."""
    names = locale.territories
    return sorted(
        ((code, names.get(code, code)) for code in phonenumbers.SUPPORTED_REGIONS),
        key=lambda item: item[1],
    )
