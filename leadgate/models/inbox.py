"""Team work on conversations: labels, who read what, canned responses.

Assignment, state and snooze live on Conversation itself; private notes and the
timeline's system events are Message rows with direction "note" or "event", so
the thread shows one ordered timeline and nothing of them is ever sent.
"""

from datetime import datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .accounts import utcnow

# Conversation states, in the order the filters show them.
STATES = ("open", "pending", "snoozed", "resolved")


class Label(db.Model):
    __table_args__ = (
        UniqueConstraint("workspace_id", "name", name="uq_label_workspace_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(40))
    color: Mapped[str] = mapped_column(String(16), default="teal")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class ConversationLabel(db.Model):
    __table_args__ = (
        # The label filter: conversations carrying a label.
        Index("ix_conversation_label_label", "label_id", "conversation_id"),
    )

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True
    )
    label_id: Mapped[int] = mapped_column(
        ForeignKey("label.id", ondelete="CASCADE"), primary_key=True
    )


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


class CannedResponse(db.Model):
    """A workspace's prepared answer, inserted by typing / and its shortcut."""

    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "shortcut", name="uq_canned_response_workspace_shortcut"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    shortcut: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
