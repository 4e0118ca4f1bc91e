"""WhatsApp costs: priced messages (a report table), Meta's rates, budgets, notices.

`report_pricing` is a report table: ids, codes and moments only. The wamid is
there only as a keyed pseudonym (reports/pseudonyms.py), unique per workspace,
so a message Meta prices twice (on `sent` and on delivered or read) counts
once; the recipient only as a country code, never the number. The estimated
cost is not stored: it follows the rate table, which the platform admin edits.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .columns import BigId, utcnow


class ReportPricing(Model):
    __tablename__ = "report_pricing"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "message_key", name="uq_report_pricing_workspace_message"
        ),
        Index("ix_report_pricing_workspace_sent_on", "workspace_id", "sent_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE")
    )
    message_key: Mapped[str] = mapped_column(String(32))  # pseudonym of the wamid
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("channel.id", ondelete="SET NULL")
    )
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign.id", ondelete="SET NULL")
    )
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("message_template.id", ondelete="SET NULL")
    )
    country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    category: Mapped[str] = mapped_column(String(32))  # Meta's pricing.category
    pricing_type: Mapped[str] = mapped_column(String(32))  # regular, free_…
    billable: Mapped[bool] = mapped_column(Boolean)  # pricing_type == "regular"
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_on: Mapped[date] = mapped_column(Date)  # the UTC day, for months


class WhatsAppRate(Model):
    """Meta's price of one message of a category to a country, from a day on."""

    __tablename__ = "whatsapp_rate"
    __table_args__ = (
        UniqueConstraint(
            "category", "country", "valid_from", name="uq_whatsapp_rate_key"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(32))
    country: Mapped[str] = mapped_column(String(2))
    eur: Mapped[Decimal] = mapped_column(Numeric(10, 4))
    valid_from: Mapped[date] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(255))


class WhatsAppBudget(Model):
    """A workspace's monthly budget for Meta's message charges (EUR)."""

    __tablename__ = "whatsapp_budget"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), unique=True
    )
    monthly_eur: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class WhatsAppBudgetNotice(Model):
    """A budget notice mailed to the owners: once per workspace, month and level."""

    __tablename__ = "whatsapp_budget_notice"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "month", "percent", name="uq_whatsapp_budget_notice"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE")
    )
    month: Mapped[date] = mapped_column(Date)  # its first day
    percent: Mapped[int] = mapped_column(Integer)  # 80 or 100
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
