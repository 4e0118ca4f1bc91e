"""A workspace's monthly budget, and what a campaign would add to the month.

The budget is optional (no row, or no amount: no budget). The campaign review
estimates the campaign as if every recipient's message were billable: marketing
templates always are, utility and authentication templates outside a service
window are (inside one, utility is free, which only makes it cheaper).
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from .. import audit
from ..dbutil import one_of
from ..extensions import db
from ..models import Contact, MessageTemplate, WhatsAppBudget, utcnow
from .rates import country_of, rate_card
from .report import Line, month_to_date


def budget_of(workspace_id: int) -> Decimal | None:
    return db.session.scalar(
        select(WhatsAppBudget.monthly_eur).where(
            WhatsAppBudget.workspace_id == workspace_id
        )
    )


def set_budget(workspace_id: int, amount: Decimal | None) -> bool:
    """Store the budget with an audit record (caller commits); False if unchanged."""
    row = db.session.scalar(
        select(WhatsAppBudget).where(WhatsAppBudget.workspace_id == workspace_id)
    )
    if row is None:
        row = WhatsAppBudget(workspace_id=workspace_id)
        db.session.add(row)
    elif row.monthly_eur == amount:
        return False
    row.monthly_eur, row.updated_at = amount, utcnow()
    audit.record(
        workspace_id, "costs.budget_changed", budget=str(amount) if amount else ""
    )
    return True


@dataclass
class Forecast:
    expected: Line  # the campaign's messages, all billable
    spent: Line  # this month so far
    budget: Decimal | None

    @property
    def over_budget(self) -> bool:
        """Month-to-date plus the campaign would pass the budget."""
        if self.budget is None:
            return False
        return self.spent.cost + self.expected.cost > self.budget


def campaign_forecast(
    template: MessageTemplate, contact_ids: list[int], today: date | None = None
) -> Forecast:
    """The expected cost of sending the template to these contacts now."""
    today = today or utcnow().date()
    category = (template.category or "marketing").lower()
    card = rate_card()
    expected = Line()
    for country, count in countries_of(template.workspace_id, contact_ids).items():
        expected.add(count, True, card.rate(category, country, today))
    return Forecast(
        expected,
        month_to_date(template.workspace_id, today),
        budget_of(template.workspace_id),
    )


def countries_of(workspace_id: int, contact_ids: list[int]) -> Counter:
    """How many of these contacts live under each country code (None: unknown)."""
    numbers = db.session.execute(
        select(Contact.phone_e164, Contact.wa_id).where(
            Contact.workspace_id == workspace_id, one_of(Contact.id, contact_ids)
        )
    )
    return Counter(country_of(e164 or wa_id) for e164, wa_id in numbers)
