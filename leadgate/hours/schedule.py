"""THE rule for business hours: is a team or a number open at a given moment?

Which hours hold: a number's own active hours, else its team's; for a
conversation, its number's own hours, else the hours of the conversation's team
(moved conversations follow their new team). No active hours: always open, so
no away reply goes out for a team that never said when it works.

A day is closed when it is a public holiday of the workspace's Bundesland (the
`holidays` package) or lies in a closure; otherwise it is open in its weekday's
intervals, wall-clock times of the workspace's time zone. Times are compared as
local wall-clock times, so 09:00 stays 09:00 across a daylight-saving change;
an interval starting inside the hour a spring change skips opens at the change.
Intervals end by midnight ("until 23:59" means until midnight); a night shift
over two days is two intervals.

Every function takes the moment `at` (timezone-aware) instead of reading the
clock, so callers and tests decide what "now" is.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from sqlalchemy import select

from ..extensions import db
from ..models import (
    BusinessClosure,
    BusinessHours,
    Channel,
    Conversation,
    Team,
    Workspace,
)

# How far next_opening looks ahead: past any holiday season or long closure.
LOOKAHEAD_DAYS = 400
DEFAULT_ZONE = "Europe/Berlin"
MINUTE = timedelta(minutes=1)
# A time field cannot say 24:00: an interval "until 23:59" lasts until midnight.
END_OF_DAY = time(23, 59)
Interval = tuple[time, time]


@dataclass
class Hours:
    """One schedule, loaded: the week, its closures and the workspace's calendar."""

    week: dict[int, list[Interval]]
    closures: list[tuple[date, date]] = field(default_factory=list)
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_ZONE))
    region: str | None = None

    def closed_on(self, day: date) -> bool:
        """A holiday or a closure: closed all day, whatever the weekday says."""
        if self.region and day in region_holidays(self.region):
            return True
        return any(first <= day <= last for first, last in self.closures)

    def intervals_on(self, day: date) -> list[Interval]:
        return [] if self.closed_on(day) else self.week.get(day.weekday(), [])

    def is_open(self, at: datetime) -> bool:
        local = aware(at).astimezone(self.zone)
        now = local.time().replace(tzinfo=None)
        return any(
            opens <= now and (now < closes or closes == END_OF_DAY)
            for opens, closes in self.intervals_on(local.date())
        )

    def next_opening(self, at: datetime) -> datetime | None:
        """`at` itself while open, else when the next interval opens (None: not within LOOKAHEAD_DAYS)."""
        at = aware(at)
        if self.is_open(at):
            return at
        today = at.astimezone(self.zone).date()
        for offset in range(LOOKAHEAD_DAYS):
            day = today + timedelta(days=offset)
            for opens, _closes in self.intervals_on(day):
                start = first_moment(datetime.combine(day, opens), self.zone)
                if start > at:
                    return start
        return None


def open_spans(hours: Hours, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The open periods from `start` on, in UTC, oldest first (within LOOKAHEAD_DAYS).

    In UTC: Python subtracts and adds datetimes of one zone on the wall clock,
    which is an hour off across a daylight-saving change.
    """
    start = aware(start).astimezone(UTC)
    first_day = start.astimezone(hours.zone).date()
    for offset in range(LOOKAHEAD_DAYS):
        day = first_day + timedelta(days=offset)
        for opens, closes in sorted(hours.intervals_on(day)):
            opening = first_moment(datetime.combine(day, opens), hours.zone)
            end = first_moment(
                datetime.combine(day + timedelta(days=1), time(0))
                if closes == END_OF_DAY
                else datetime.combine(day, closes),
                hours.zone,
            ).astimezone(UTC)
            begin = max(start, opening.astimezone(UTC))
            if begin < end:
                yield begin, end


def open_time_between(hours: Hours | None, start: datetime, end: datetime) -> timedelta:
    """How much of the time from `start` to `end` lay within business hours
    (all of it without hours: a team without a schedule is always open)."""
    start, end = aware(start), aware(end)
    if end <= start:
        return timedelta(0)
    if hours is None:
        return end - start
    total = timedelta(0)
    for begin, finish in open_spans(hours, start):
        if begin >= end:
            break
        total += min(finish, end) - begin
    return total


def first_moment(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first moment the local clock shows `wall` or later.

    Usually `wall` itself (the first of the two in the autumn's repeated hour);
    for a wall time the spring change skips, the moment of the change, which
    zoneinfo alone would place an hour late.
    """
    moment = wall.replace(tzinfo=zone).astimezone(UTC)
    if local_wall(moment, zone) == wall:
        return moment.astimezone(zone)
    while local_wall(moment - MINUTE, zone) >= wall:  # back to the change
        moment -= MINUTE
    return moment.astimezone(zone)


def local_wall(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def is_open(target: Team | Channel | Conversation, at: datetime) -> bool:
    """Whether the team, number or conversation is within its business hours at `at`."""
    hours = hours_for(target)
    return True if hours is None else hours.is_open(at)


def next_opening(
    target: Team | Channel | Conversation, at: datetime
) -> datetime | None:
    """When it is next open (in the workspace's zone); `at` while open; None if never."""
    hours = hours_for(target)
    return aware(at) if hours is None else hours.next_opening(at)


def hours_for(target: Team | Channel | Conversation) -> Hours | None:
    """The schedule that holds for the target, loaded; None when it has none active."""
    row = schedule_row(target)
    if row is None:
        return None
    workspace = db.session.get(Workspace, row.workspace_id)
    closures = db.session.execute(
        select(BusinessClosure.first_day, BusinessClosure.last_day).where(
            BusinessClosure.hours_id == row.id
        )
    ).all()
    return Hours(
        week=parse_week(row.week),
        closures=[(first, last) for first, last in closures],
        zone=zone_of(workspace.time_zone if workspace else DEFAULT_ZONE),
        region=workspace.holiday_region if workspace else None,
    )


def schedule_row(target: Team | Channel | Conversation) -> BusinessHours | None:
    """The active BusinessHours row that holds for the target (see the docstring)."""
    if isinstance(target, Team):
        return active_row(team_id=target.id)
    channel_id = target.id if isinstance(target, Channel) else target.channel_id
    team_id = target.team_id
    own = active_row(channel_id=channel_id)
    if own is not None or team_id is None:
        return own
    return active_row(team_id=team_id)


def active_row(**owner: int) -> BusinessHours | None:
    [(column, value)] = owner.items()
    return db.session.scalar(
        select(BusinessHours).where(
            getattr(BusinessHours, column) == value, BusinessHours.active.is_(True)
        )
    )


def parse_week(week: dict) -> dict[int, list[Interval]]:
    """The stored JSON week ({"0": [["09:00", "18:00"]], …}) as times per weekday."""
    return {
        int(day): [(parse_time(opens), parse_time(closes)) for opens, closes in spans]
        for day, spans in (week or {}).items()
    }


def parse_time(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def zone_of(name: str) -> ZoneInfo:
    """The workspace's zone; Berlin for a name this system's tz database lacks."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


@lru_cache(maxsize=32)
def region_holidays(region: str) -> holidays.HolidayBase:
    """The public holidays of a German Bundesland (years are added as asked for)."""
    return holidays.country_holidays("DE", subdiv=region, language="de")


def aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("business hours need a timezone-aware moment")
    return at
