"""Report keys: the per-workspace secret behind the reports' pseudonyms.

Report tables (prefix `report_`) never hold a contact's id, number or name, nor
a message's wamid: they hold keyed pseudonyms (HMAC-SHA256 with this secret,
reports/pseudonyms.py). The secret is encrypted at rest (crypto.py). Rotating it
(yearly, or when an owner asks) deletes the old one: pseudonyms made with it can
then no longer be linked to anyone, by us either.
"""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .columns import BigId, utcnow


class ReportKey(Model):
    __tablename__ = "report_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One secret per workspace at a time: two jobs making the first one at once
    # end up with the same (the second insert does nothing and reads the first).
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), unique=True
    )
    secret_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class ReportConversation(Model):
    """One conversation from its opening (or reopening) to its resolution: a fact.

    Written when a contact's message opens or reopens it (reports/facts.py), updated
    at the team's first answer and at the resolution; the response and resolution
    times are counted inside the business hours of its team or number
    (hours/schedule.py). The contact appears only as a pseudonym; nothing here
    says who they are or what anyone wrote.
    """

    __tablename__ = "report_conversation"
    __table_args__ = (
        Index("ix_report_conversation_workspace_opened", "workspace_id", "opened_at"),
        # The episode a conversation's next event updates, and an erasure's facts.
        Index(
            "ix_report_conversation_contact",
            "workspace_id",
            "contact_key",
            "channel_id",
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE")
    )
    # A number or team deleted later: its facts stay, counted as "ohne".
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("channel.id", ondelete="SET NULL")
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("team.id", ondelete="SET NULL")
    )
    contact_key: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reopened: Mapped[bool] = mapped_column(Boolean, default=False)
    new_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_response_seconds: Mapped[int | None] = mapped_column(Integer)
    responder_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution_seconds: Mapped[int | None] = mapped_column(Integer)
    resolver_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )


class ReportMessageHour(Model):
    """How many messages came in or went out per hour, number and team: counts only.

    For the reports' messages in/out and the weekday × hour heat map. No row
    says whose messages they were; a restricted contact's are not counted.
    Added up at each commit that stored messages (reports/counts.py). 0 stands
    for "no team" (and a removed number keeps its counts), so that the key can
    be unique without NULLs.
    """

    __tablename__ = "report_message_hour"
    __table_args__ = (
        Index("ix_report_message_hour_workspace_hour", "workspace_id", "hour"),
    )

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    direction: Mapped[str] = mapped_column(String(3), primary_key=True)  # in | out
    messages: Mapped[int] = mapped_column(Integer)
