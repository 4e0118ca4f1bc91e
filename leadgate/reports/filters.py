"""The reports' filters from the query string: a period of whole days, a team, a number.

Days are the workspace's days (Workspace.time_zone, as hours/ uses it): "last 7
days" on a Monday in Berlin is the seven Berlin days up to and including
Monday, turned into UTC bounds [start, end) once, here. The previous period is
the same number of days right before. Invalid input (a date that is none, an
end before the start, more than 366 days, a team or number not of this
workspace) becomes an error in words, never an exception: the page answers 422
with the form and the reason.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..hours.schedule import DEFAULT_ZONE, zone_of
from ..models import Channel, Team, Workspace

MAX_DAYS = 366
RANGES = {
    "7": _l("Letzte 7 Tage"),
    "30": _l("Letzte 30 Tage"),
    "90": _l("Letzte 90 Tage"),
    "this_month": _l("Dieser Monat"),
    "last_month": _l("Letzter Monat"),
    "custom": _l("Eigener Zeitraum"),
}
DEFAULT_RANGE = "30"


@dataclass(frozen=True)
class Period:
    """Whole days `first` to `last` (inclusive) in `zone`."""

    first: date
    last: date
    zone: ZoneInfo

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        return local_midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        return local_midnight(self.last + timedelta(days=1), self.zone)

    def previous(self) -> "Period":
        """The same number of days right before this period."""
        last = self.first - timedelta(days=1)
        return Period(last - timedelta(days=self.days - 1), last, self.zone)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


@dataclass
class Filters:
    range: str = DEFAULT_RANGE
    first: str = ""  # as typed, so the form shows it again
    last: str = ""
    team_id: int | None = None
    channel_id: int | None = None
    period: Period | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def query(self) -> dict:
        """The filters as query-string arguments (links, the CSV)."""
        args = {"range": self.range, "team": self.team_id, "number": self.channel_id}
        if self.range == "custom":
            args |= {"start": self.first, "end": self.last}
        return {key: value for key, value in args.items() if value}


def workspace_zone(workspace_id: int) -> ZoneInfo:
    name = db.session.scalar(
        select(Workspace.time_zone).where(Workspace.id == workspace_id)
    )
    return zone_of(name or DEFAULT_ZONE)


def parse(workspace_id: int, args, today: date, zone: ZoneInfo) -> Filters:
    """The filters of a request (args: request.args); `today` in the workspace's zone."""
    chosen = args.get("range", DEFAULT_RANGE)
    filters = Filters(
        range=chosen if chosen in RANGES else DEFAULT_RANGE,
        first=args.get("start", "").strip(),
        last=args.get("end", "").strip(),
    )
    if chosen not in RANGES:
        filters.errors["range"] = str(_l("Bitte einen Zeitraum aus der Liste wählen."))
    filters.period = period_of(filters, today, zone)
    filters.team_id = choice(args, "team", teams_of(workspace_id), filters.errors)
    filters.channel_id = choice(
        args, "number", numbers_of(workspace_id), filters.errors
    )
    return filters


def period_of(filters: Filters, today: date, zone: ZoneInfo) -> Period | None:
    if filters.range in ("7", "30", "90"):
        days = int(filters.range)
        return Period(today - timedelta(days=days - 1), today, zone)
    if filters.range == "this_month":
        return Period(today.replace(day=1), today, zone)
    if filters.range == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return Period(last.replace(day=1), last, zone)
    return custom_period(filters, today, zone)


def custom_period(filters: Filters, today: date, zone: ZoneInfo) -> Period | None:
    """From/to as typed; None (and an error for the field) when they do not hold."""
    days = {}
    for name, text in (("start", filters.first), ("end", filters.last)):
        try:
            days[name] = date.fromisoformat(text)
        except ValueError:
            filters.errors[name] = str(_l("Bitte ein gültiges Datum angeben."))
    if filters.errors:
        return None
    first, last = days["start"], days["end"]
    if last < first:
        filters.errors["end"] = str(_l("Das Ende liegt vor dem Beginn."))
    elif (last - first).days + 1 > MAX_DAYS:
        filters.errors["end"] = str(_l("Höchstens 366 Tage auf einmal."))
    elif first > today:
        filters.errors["start"] = str(_l("Der Beginn liegt in der Zukunft."))
    return None if filters.errors else Period(first, last, zone)


def choice(args, name: str, choices: dict[int, str], errors: dict) -> int | None:
    """The id chosen in `name` ("" for all); an error if it is none of the choices."""
    text = args.get(name, "").strip()
    if not text:
        return None
    if text.isdigit() and int(text) in choices:
        return int(text)
    errors[name] = str(_l("Keine gültige Auswahl."))
    return None


def names_of(model: type[Team] | type[Channel], workspace_id: int) -> dict[int, str]:
    """The workspace's teams or numbers by name: the filters' choices."""
    rows = db.session.execute(
        select(model.id, model.name)
        .where(model.workspace_id == workspace_id)
        .order_by(model.name)
    ).all()
    return {row.id: row.name for row in rows}


def teams_of(workspace_id: int) -> dict[int, str]:
    return names_of(Team, workspace_id)


def numbers_of(workspace_id: int) -> dict[int, str]:
    return names_of(Channel, workspace_id)
