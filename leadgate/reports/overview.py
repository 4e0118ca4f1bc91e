"""The figures of the "Überblick" report: one period's conversations, answers, targets.

Reads only `report_conversation` and `sla_breach` (ids, moments, seconds), by
the (workspace_id, opened_at) and (workspace_id, breached_at) indexes. What is
counted, per period [start, end):
- opened: facts opened in it (openings and reopenings); new: of them new_contact;
- answered / first-response spread: openings in it that were answered (their
  business-hours seconds, facts.py); buckets likewise;
- resolution spread: openings in it that were resolved;
- resolved: facts resolved in it (whenever they opened);
- targeted: openings in it of teams that have a first-response target now;
  breaches: SlaBreach rows in it of those teams (one per opening's first wait,
  sla/clock.py). Within target = 1 − breaches / targeted (at least 0): a
  conversation still waiting and not yet due counts as kept so far.
- waiting (now, not per period): open facts without a first answer.
Medians and the 90th percentile are interpolated like PostgreSQL's
percentile_cont: computed there in SQL (100,000 openings a quarter stay in the
database); on SQLite, the embedded default for small teams, in Python.
"""

from dataclasses import dataclass, field
from math import floor

from sqlalchemy import Select, and_, case, func, select

from ..extensions import db
from ..models import Conversation, ReportConversation, SlaBreach, Team
from .filters import Filters, Period

# Upper bounds (seconds) of the first-response buckets; the last is "später".
BUCKETS = (5 * 60, 15 * 60, 60 * 60, 4 * 3600, 24 * 3600)
Fact = ReportConversation


@dataclass(frozen=True)
class Spread:
    """Median and 90th percentile of `basis` durations (seconds); None without any."""

    basis: int = 0
    median: float | None = None
    p90: float | None = None


@dataclass
class Figures:
    opened: int = 0
    new_contacts: int = 0
    resolved: int = 0
    answered: int = 0
    first_response: Spread = field(default_factory=Spread)
    resolution: Spread = field(default_factory=Spread)
    targeted: int = 0
    breaches: int = 0
    buckets: tuple[int, ...] = (0,) * (len(BUCKETS) + 1)

    @property
    def within_target(self) -> float | None:
        """The share of targeted openings without a breach (0–1)."""
        if not self.targeted:
            return None
        return max(0.0, 1 - self.breaches / self.targeted)


@dataclass
class Overview:
    period: Period
    current: Figures
    previous: Figures
    waiting: int  # now, whatever the period


def overview(workspace_id: int, filters: Filters) -> Overview:
    """The figures of the filters' period and of the one before it."""
    assert filters.period is not None  # parsed without errors
    return Overview(
        filters.period,
        figures(workspace_id, filters.period, filters),
        figures(workspace_id, filters.period.previous(), filters),
        waiting(workspace_id, filters),
    )


def figures(workspace_id: int, period: Period, filters: Filters) -> Figures:
    opened = in_period(workspace_id, period, filters)
    found = Figures()
    row = db.session.execute(openings(opened)).one()
    found.opened, found.new_contacts = row.opened, row.new or 0
    found.answered, found.targeted = row.answered, row.targeted or 0
    found.buckets = tuple(
        getattr(row, f"bucket{i}") or 0 for i in range(len(BUCKETS) + 1)
    )
    found.first_response = spread(opened, Fact.first_response_seconds, row.answered)
    found.resolution = spread(opened, Fact.resolution_seconds, row.resolutions)
    found.resolved = resolved(workspace_id, period, filters)
    found.breaches = breaches(workspace_id, period, filters)
    return found


def scope(workspace_id: int, filters: Filters) -> list:
    """The conditions of the workspace and the team and number filters."""
    conditions = [Fact.workspace_id == workspace_id]
    if filters.team_id:
        conditions.append(Fact.team_id == filters.team_id)
    if filters.channel_id:
        conditions.append(Fact.channel_id == filters.channel_id)
    return conditions


def in_period(workspace_id: int, period: Period, filters: Filters):
    """The condition "opened in the period" (with the filters)."""
    return and_(
        *scope(workspace_id, filters),
        Fact.opened_at >= period.start,
        Fact.opened_at < period.end,
    )


def openings(opened) -> Select:
    seconds = Fact.first_response_seconds
    bounds = (0, *BUCKETS)
    buckets = [
        func.sum(case((seconds.between(low, high - 1), 1), else_=0)).label(f"bucket{i}")
        for i, (low, high) in enumerate(zip(bounds, BUCKETS, strict=False))
    ]
    buckets.append(
        func.sum(case((seconds >= BUCKETS[-1], 1), else_=0)).label("bucket5")
    )
    return (
        select(
            func.count().label("opened"),
            func.sum(case((Fact.new_contact, 1), else_=0)).label("new"),
            func.count(seconds).label("answered"),
            func.count(Fact.resolution_seconds).label("resolutions"),
            func.sum(
                case((Team.first_response_minutes.is_not(None), 1), else_=0)
            ).label("targeted"),
            *buckets,
        )
        .select_from(Fact)
        .outerjoin(Team, Team.id == Fact.team_id)
        .where(opened)
    )


def spread(opened, column, basis: int) -> Spread:
    """Median and p90 of the column over the openings (nulls left out)."""
    if not basis:
        return Spread()
    if db.session.get_bind().dialect.name == "postgresql":
        median, p90 = db.session.execute(
            select(
                func.percentile_cont(0.5).within_group(column),
                func.percentile_cont(0.9).within_group(column),
            ).where(opened, column.is_not(None))
        ).one()
        return Spread(basis, float(median), float(p90))
    values = sorted(
        db.session.scalars(select(column).where(opened, column.is_not(None)))
    )
    return Spread(basis, percentile(values, 0.5), percentile(values, 0.9))


def percentile(values: list[int], fraction: float) -> float:
    """percentile_cont's answer for sorted values: linear between the neighbours."""
    at = fraction * (len(values) - 1)
    low = floor(at)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (at - low)


def resolved(workspace_id: int, period: Period, filters: Filters) -> int:
    # opened_at < end keeps to the index's range (nothing resolves before it opens).
    query = select(func.count()).where(
        *scope(workspace_id, filters),
        Fact.opened_at < period.end,
        Fact.resolved_at >= period.start,
        Fact.resolved_at < period.end,
    )
    return db.session.scalar(query) or 0


def breaches(workspace_id: int, period: Period, filters: Filters) -> int:
    query = (
        select(func.count())
        .select_from(SlaBreach)
        .join(Team, Team.id == SlaBreach.team_id)
        .where(
            SlaBreach.workspace_id == workspace_id,
            SlaBreach.breached_at >= period.start,
            SlaBreach.breached_at < period.end,
            Team.first_response_minutes.is_not(None),
        )
    )
    if filters.team_id:
        query = query.where(SlaBreach.team_id == filters.team_id)
    if filters.channel_id:
        # A breach names its conversation, not its number: only the number is read.
        query = query.join(
            Conversation, Conversation.id == SlaBreach.conversation_id
        ).where(Conversation.channel_id == filters.channel_id)
    return db.session.scalar(query) or 0


def waiting(workspace_id: int, filters: Filters) -> int:
    """Open facts the team has not answered yet (now)."""
    query = select(func.count()).where(
        *scope(workspace_id, filters),
        Fact.first_response_at.is_(None),
        Fact.resolved_at.is_(None),
    )
    return db.session.scalar(query) or 0
