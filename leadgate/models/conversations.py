"""Conversations: one contact on one number, with the team's state and who read what.

Assignment, state and snooze live on Conversation itself; private notes and the
timeline's system events are Message rows with direction "note" or "event", so
the thread shows one ordered timeline and nothing of them is ever sent.
"""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .channels import Channel
from .columns import utcnow
from .contacts import Contact
from .teams import Team

# Conversation states, in the order the filters show them.
STATES = ("open", "pending", "snoozed", "resolved")


class Conversation(db.Model):
    # The list pages by (last_activity_at, id) within a workspace, optionally
    # filtered by state or assignee: one index per way in.
    __table_args__ = (
        Index(
            "ix_conversation_workspace_last_activity",
            "workspace_id",
            "last_activity_at",
            "id",
        ),
        Index(
            "ix_conversation_workspace_state_activity",
            "workspace_id",
            "state",
            "last_activity_at",
            "id",
        ),
        Index(
            "ix_conversation_workspace_assignee_activity",
            "workspace_id",
            "assignee_id",
            "last_activity_at",
            "id",
        ),
        Index(
            "ix_conversation_workspace_team_activity",
            "workspace_id",
            "team_id",
            "last_activity_at",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channel.id", ondelete="CASCADE")
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default="open")  # one of STATES
    snoozed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    # From its number's team when created; moved by the team (models/teams.py).
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("team.id", ondelete="SET NULL")
    )
    # Unread by the whole team (read receipts); per agent see ConversationRead.
    unread_count: Mapped[int] = mapped_column(Integer, default=0)
    inbound_count: Mapped[int] = mapped_column(Integer, default=0)
    # Words of its messages and notes for the inbox search (searchdoc.py; PostgreSQL).
    search_document: Mapped[str | None] = mapped_column(
        TSVECTOR().with_variant(Text(), "sqlite"), deferred=True
    )
    # Opened by a lead form submission: shown as a new lead in the inbox.
    lead_submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("lead_submission.id", ondelete="SET NULL")
    )
    last_message_preview: Mapped[str | None] = mapped_column(String(200))
    last_message_type: Mapped[str | None] = mapped_column(String(32))
    last_activity_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )

    channel: Mapped[Channel] = relationship()
    contact: Mapped[Contact] = relationship()
    assignee: Mapped[User | None] = relationship()
    team: Mapped[Team | None] = relationship()


class ConversationRead(db.Model):
    """How many of the contact's messages an agent had seen when last opening it.

    Unread for that agent = conversation.inbound_count - inbound_seen: one join,
    no counting of messages per row.
    """

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    inbound_seen: Mapped[int] = mapped_column(Integer, default=0)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
