"""Listing helpers every list page shares: keyset pages and whole-day date filters.

Shared, so the inbox, the contact list and the audit trail page and filter alike
without importing each other.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import tuple_

from .extensions import db
from .models import as_utc


@dataclass(frozen=True)
class Cursor:
    """The last row of a page: the next page starts below it."""

    at: datetime
    id: int

    def encode(self) -> str:
        return f"{as_utc(self.at).isoformat()}_{self.id}"  # exact to the microsecond

    @classmethod
    def decode(cls, value: str | None) -> "Cursor | None":
        try:
            stamp, id_ = (value or "").split("_")
            return cls(as_utc(datetime.fromisoformat(stamp)), int(id_))
        except ValueError:
            return None


def newest_first(query, at, id_, after: Cursor | None, size: int):
    """One keyset page of the query's rows by (at, id) descending, and the next cursor."""
    if after is not None:
        query = query.where(tuple_(at, id_) < tuple_(after.at, after.id))
    rows = db.session.scalars(query.order_by(at.desc(), id_.desc()).limit(size + 1))
    rows = rows.all()
    if len(rows) <= size:
        return rows, None
    last = rows[size - 1]
    return rows[:size], Cursor(getattr(last, at.key), getattr(last, id_.key))


def parse_date_arg(value: str | None) -> date | None:
    """A date from the query string, or None if absent or malformed."""
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def date_conditions(column, start: date | None, end: date | None) -> list:
    """Whole days: "to" includes the day named."""
    found = []
    if start:
        found.append(column >= _start(start))
    if end:
        found.append(column < _start(end + timedelta(days=1)))
    return found
