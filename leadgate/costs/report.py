"""The cost report: a month's priced messages per number, category and campaign.

Reads only `report_pricing` (and the names of the workspace's own numbers and
campaigns). Counts are grouped in SQL; prices come from the rate card of the
day each message was sent, so a rate entered later applies to the days it is
valid for. Billable messages without a rate are counted as `unpriced`, never
as 0 €.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from ..extensions import db
from ..models import Campaign, Channel, ReportPricing
from .rates import RateCard, rate_card

GROUPS = (
    ReportPricing.channel_id,
    ReportPricing.campaign_id,
    ReportPricing.category,
    ReportPricing.country,
    ReportPricing.billable,
    ReportPricing.sent_on,
)


@dataclass
class Line:
    """Messages of one row of a breakdown: billable and free side by side."""

    billable: int = 0
    free: int = 0
    cost: Decimal = Decimal("0")
    unpriced: int = 0  # billable, but no rate known for its category and country

    def add(self, count: int, billable: bool, rate: Decimal | None) -> None:
        if not billable:
            self.free += count
        elif rate is None:
            self.billable += count
            self.unpriced += count
        else:
            self.billable += count
            self.cost += rate * count

    @property
    def priced(self) -> bool:
        """Some cost is known (else the page says "kein Tarif hinterlegt")."""
        return self.billable > self.unpriced


@dataclass
class MonthReport:
    month: date
    total: Line = field(default_factory=Line)
    by_channel: dict[int | None, Line] = field(default_factory=dict)
    by_category: dict[str, Line] = field(default_factory=dict)
    by_campaign: dict[int | None, Line] = field(default_factory=dict)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_report(workspace_id: int, month: date, card: RateCard | None = None):
    """The month's breakdowns (month: its first day)."""
    card = card or rate_card()
    report = MonthReport(month)
    for row in groups(workspace_id, month, next_month(month)):
        rate = card.rate(row.category, row.country, row.sent_on)
        for lines, key in (
            (report.by_channel, row.channel_id),
            (report.by_category, row.category),
            (report.by_campaign, row.campaign_id),
        ):
            lines.setdefault(key, Line()).add(row.count, row.billable, rate)
        report.total.add(row.count, row.billable, rate)
    return report


def monthly_totals(workspace_id: int, last: date, months: int = 6) -> list:
    """(month, Line) for the `months` months up to `last`, newest first."""
    card = rate_card()
    first = last
    for _ in range(months - 1):
        first = month_start(first - timedelta(days=1))
    totals = {}
    month = first
    while month <= last:
        totals[month] = Line()
        month = next_month(month)
    for row in groups(workspace_id, first, next_month(last)):
        rate = card.rate(row.category, row.country, row.sent_on)
        totals[month_start(row.sent_on)].add(row.count, row.billable, rate)
    return sorted(totals.items(), reverse=True)


def month_to_date(workspace_id: int, today: date) -> Line:
    """This month's messages and cost so far (budget and campaign review)."""
    return month_report(workspace_id, month_start(today)).total


def groups(workspace_id: int, start: date, end: date):
    return db.session.execute(
        select(*GROUPS, func.count().label("count"))
        .where(
            ReportPricing.workspace_id == workspace_id,
            ReportPricing.sent_on >= start,
            ReportPricing.sent_on < end,
        )
        .group_by(*GROUPS)
    ).all()


def names(workspace_id: int) -> tuple[dict[int, str], dict[int, str]]:
    """The workspace's own number and campaign names, by id."""
    channels = db.session.execute(
        select(Channel.id, Channel.name).where(Channel.workspace_id == workspace_id)
    ).all()
    campaigns = db.session.execute(
        select(Campaign.id, Campaign.name).where(Campaign.workspace_id == workspace_id)
    ).all()
    return dict(channels), dict(campaigns)  # type: ignore[arg-type]
