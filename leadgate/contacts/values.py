"""What a custom field's value may be, wherever it is typed: the contact form or an import.

Numbers are kept as written (German or English separators); dates are kept as
ISO text (YYYY-MM-DD), so they sort and filter the same everywhere.
"""

import re
from datetime import date, datetime

NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d{3})*(?:[.,]\d+)?")
GERMAN_DATES = ("%d.%m.%Y", "%d.%m.%y")


def parse_day(text: str) -> date | None:
    """ISO (2026-12-31) or German (31.12.2026) dates."""
    for pattern in ("%Y-%m-%d", *GERMAN_DATES):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def custom_value(kind: str, text: str) -> str | None:
    """The value as stored for a field of this kind, or None if it is not one."""
    if kind == "number":
        return text if NUMBER.fullmatch(text.replace(" ", "")) else None
    if kind == "date":
        day = parse_day(text)
        return day.isoformat() if day else None
    return text
