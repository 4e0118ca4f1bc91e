"""Meta's pricing words as the pages say them."""

from flask_babel import format_currency, format_date
from flask_babel import lazy_gettext as _l

CATEGORIES = {
    "marketing": _l("Marketing"),
    "marketing_lite": _l("Marketing (Marketing Messages API)"),
    "utility": _l("Service-Mitteilung (Utility)"),
    "authentication": _l("Authentifizierung"),
    "authentication-international": _l("Authentifizierung international"),
    "service": _l("Service (Antwort im 24-Stunden-Fenster)"),
    "referral_conversion": _l("Werbeanzeige (kostenloser Einstieg)"),
}


def category_label(key: str | None) -> str:
    """The category in words; an unknown one as Meta sent it."""
    return str(CATEGORIES.get(key or "", key or "–"))


def euro(amount) -> str:
    """An amount in euros in the page's language ("12,34 €")."""
    return format_currency(amount, "EUR")


def month_name(month) -> str:
    """ "Mai 2026" in the page's language."""
    return format_date(month, "LLLL yyyy")
