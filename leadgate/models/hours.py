"""Business hours of a team or a number, their closures, and the automatic replies.

A team's hours hold for its numbers; a number may have hours of its own, which
then hold for it instead (hours/schedule.py decides, in one place). Without
active hours a team is always open: nobody gets an away reply for a team that
never said when it works. The weekly hours are a small JSON document, read and
written whole by the settings page: {"0": [["09:00", "12:30"], ["13:30",
"18:00"]], …, "6": []}, weekday 0 being Monday, local wall-clock times of the
workspace's time zone.
"""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .columns import Json, utcnow

CLOSURE_NOTE_LENGTH = 120
# What an automatic reply is, as Message.details["kind"] and AutoReplySent.kind.
WELCOME = "welcome_reply"
AWAY = "away_reply"
AUTO_REPLY_KINDS = (WELCOME, AWAY)


class BusinessHours(Model):
    """The weekly opening hours of one team or one number (exactly one of them)."""

    __tablename__ = "business_hours"
    __table_args__ = (
        CheckConstraint(
            "(team_id IS NULL) <> (channel_id IS NULL)", name="team_or_number"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("team.id", ondelete="CASCADE"), unique=True
    )
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("channel.id", ondelete="CASCADE"), unique=True
    )
    # Switched off, the row keeps its week and closures for later: a team is
    # then always open, a number follows its team again.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    week: Mapped[dict] = mapped_column(Json, default=dict)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class BusinessClosure(Model):
    """Closed from first_day to last_day (local dates, both included): Betriebsurlaub."""

    __tablename__ = "business_closure"
    __table_args__ = (CheckConstraint("first_day <= last_day", name="ordered_days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    hours_id: Mapped[int] = mapped_column(
        ForeignKey("business_hours.id", ondelete="CASCADE"), index=True
    )
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(CLOSURE_NOTE_LENGTH), default="")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class AutoReplySettings(Model):
    """A workspace's welcome and away replies: switched on or not, and their texts.

    Each text is written in the workspace's main `language`; an optional text in
    `second_language` is appended below it (the contact's language is unknown).
    """

    __tablename__ = "auto_reply_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), unique=True
    )
    welcome_on: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    away_on: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    language: Mapped[str] = mapped_column(String(8), default="de")
    second_language: Mapped[str | None] = mapped_column(String(8))
    welcome_text: Mapped[str] = mapped_column(Text, default="")
    welcome_text_second: Mapped[str | None] = mapped_column(Text)
    away_text: Mapped[str] = mapped_column(Text, default="")
    away_text_second: Mapped[str | None] = mapped_column(Text)
    # At most one reply of each kind per contact within this many hours.
    period_hours: Mapped[int] = mapped_column(Integer, default=24)


class AutoReplySent(Model):
    """When a contact last got a reply of a kind: the claim that keeps it to once.

    One row per (contact, kind), moved forward by a conditional upsert
    (hours/replies.py claim): of two drains at once, only one gets the row back.
    """

    __tablename__ = "auto_reply_sent"
    __table_args__ = (
        UniqueConstraint("contact_id", "kind", name="uq_auto_reply_sent_contact_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
