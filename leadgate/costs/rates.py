"""Meta's rates per category × recipient country, each valid from a day on.

The rate table (`whatsapp_rate`) is the platform admin's; it was seeded by
migration 0030 with the published EUR figures that could be found (see there
and the README). A category or country without a rate has no price: the pages
say "kein Tarif hinterlegt" and never count it as 0 €.
"""

from bisect import bisect_right
from datetime import date
from decimal import Decimal

import phonenumbers
from sqlalchemy import select

from ..extensions import db
from ..models import WhatsAppRate

# Messages sent through the Marketing Messages API (pricing category
# "marketing_lite") are charged at the marketing rate of the country.
RATED_AS = {"marketing_lite": "marketing"}
# The categories the admin can price (Meta's pricing.category values that cost).
CATEGORIES = ("marketing", "utility", "authentication", "authentication-international")


class RateCard:
    """All rates, read once per request or job (a few hundred rows at most)."""

    def __init__(self, rates: list[WhatsAppRate]) -> None:
        self.rates: dict[tuple[str, str], list[tuple[date, Decimal]]] = {}
        for rate in sorted(rates, key=lambda r: r.valid_from):
            key = (rate.category, rate.country)
            self.rates.setdefault(key, []).append((rate.valid_from, rate.eur))

    def rate(self, category: str, country: str | None, day: date) -> Decimal | None:
        """The EUR price of one message on that day, or None when none is known."""
        if country is None:
            return None
        steps = self.rates.get((RATED_AS.get(category, category), country), [])
        index = bisect_right([since for since, _eur in steps], day)
        return steps[index - 1][1] if index else None


def rate_card() -> RateCard:
    return RateCard(list(db.session.scalars(select(WhatsAppRate))))


def country_of(number: str | None) -> str | None:
    """The ISO country of a WhatsApp number (digits or E.164); None if unknown.

    Meta prices by the recipient's country calling code; the region tells the
    countries that share one (+1, +7) apart as far as the number allows.
    """
    digits = (number or "").removeprefix("+")
    if not digits.isascii() or not digits.isdigit():
        return None
    try:
        parsed = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(parsed)
    return region if region and region != "ZZ" else None
