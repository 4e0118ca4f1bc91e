"""Phone numbers in E.164, the one form LeadGate stores (`phonenumbers`, Google's libphonenumber).

People type numbers every way ("0170 1234567", "+49 (170) 123 45 67",
"0049170…"); a number without a country code belongs to the workspace's
region (Workspace.phone_region, DE by default). The same holds for a number
typed into a search box (`number_search`) and for every number shown
(`pretty` as text, `phone_html` as the templates' `phone` filter).
"""

import re
from dataclasses import dataclass

import phonenumbers
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

DEFAULT_REGION = "DE"
# A number must not break across lines: spaces and hyphens become their
# non-breaking forms. Browsers copy U+00A0 as a plain space, and
# libphonenumber (dialers, WhatsApp, our own normalise) reads U+2011 as a
# hyphen, so a copied number stays a number.
NO_BREAK = str.maketrans({" ": "\u00a0", "-": "\u2011"})
MIN_SEARCH_DIGITS = 3
NOT_DIGITS = re.compile(r"[^\d+]")


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


def international(number: str | None) -> str | None:
    """A valid number written internationally, kept on one line; else None."""
    try:
        parsed = phonenumbers.parse((number or "").strip(), None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    text = phonenumbers.format_number(
        parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return text.translate(NO_BREAK)


def pretty(number: str | None) -> str:
    """The number for people as text: "+49 151 12345678", with no place to break.

    Takes a number written internationally (E.164, "+" and the digits of a
    wa_id, Meta's "+1 555-…"); anything else, or a number that does not
    exist, is shown as given.
    """
    return international(number) or (number or "").strip()


def phone_html(text: str | None) -> Markup | str:
    """The templates' `phone` filter: a number in a span that never wraps.

    Containers that let long words break anywhere (overflow-wrap: anywhere)
    would still split a number of non-breaking spaces; `.phone-number`
    (app.css) forbids wrapping inside it. Anything else, a contact's name for
    example, comes back as given and is escaped as usual.
    """
    number = international(text)
    if number is None:
        return (text or "").strip()
    return Markup('<span class="phone-number">{}</span>').format(number)


@dataclass(frozen=True)
class NumberSearch:
    """The digits a typed number looks for in stored numbers."""

    digits: str
    leading: bool  # they start the number (country code first), else anywhere


def number_search(text: str, region: str = DEFAULT_REGION) -> NumberSearch | None:
    """What a typed (part of a) number finds, or None below three digits.

    "+49 151 12…", "0049 151 12…" and, in a German workspace, "0151 12…" all
    look for numbers starting 4915112; digits without a prefix ("1234") may
    stand anywhere in the number.
    """
    compact = NOT_DIGITS.sub("", text)
    digits = compact.replace("+", "")
    if len(digits) < MIN_SEARCH_DIGITS:
        return None
    if compact.startswith("+"):
        return NumberSearch(digits, leading=True)
    if digits.startswith("00"):
        return NumberSearch(digits[2:], leading=True)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region or "")
    prefix = metadata.national_prefix if metadata else None
    if prefix and digits.startswith(prefix):
        national = f"{metadata.country_code}{digits[len(prefix) :]}"
        # Where the trunk prefix is the country code (1 in North America),
        # "1234" may as well be the end of a number.
        if national != digits:
            return NumberSearch(national, leading=True)
    return NumberSearch(digits, leading=False)


def regions(locale) -> list[tuple[str, str]]:
    """(code, country name in the reader's language) for every region, by name."""
    names = locale.territories
    return sorted(
        ((code, names.get(code, code)) for code in phonenumbers.SUPPORTED_REGIONS),
        key=lambda item: item[1],
    )
