"""Messages in a conversation, their send attempts, Meta's status reports and reactions."""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .columns import BigId, Json, utcnow
from .conversations import Conversation
from .message_state import RANK, IllegalTransition, may_move

# The delivery states' ranking lives with the state machine (message_state.py).
STATUS_RANK = RANK


class Message(db.Model):
    __table_args__ = (
        UniqueConstraint("channel_id", "wamid", name="uq_message_channel_wamid"),
        Index("ix_message_conversation_sent_at", "conversation_id", "sent_at", "id"),
        # The outbound sweeper looks for messages waiting to be (re)sent.
        Index("ix_message_status_next_attempt", "status", "next_attempt_at"),
        # The nightly purge walks a workspace's expired messages oldest first;
        # file cleanup asks whether any message still names a file (0012).
        Index("ix_message_workspace_created", "workspace_id", "created_at", "id"),
        Index("ix_message_media_sha256", "media_sha256"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channel.id", ondelete="CASCADE")
    )
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE")
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(8))  # in, out, note or event
    wamid: Mapped[str | None] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)
    caption: Mapped[str | None] = mapped_column(Text)
    reply_to_wamid: Mapped[str | None] = mapped_column(String(255))
    forwarded: Mapped[bool] = mapped_column(Boolean, default=False)
    details: Mapped[dict] = mapped_column(Json, default=dict)
    raw: Mapped[dict | None] = mapped_column(Json)
    media_id: Mapped[str | None] = mapped_column(String(128))
    media_mime_type: Mapped[str | None] = mapped_column(String(128))
    media_filename: Mapped[str | None] = mapped_column(String(255))
    media_sha256: Mapped[str | None] = mapped_column(String(64))  # of the stored file
    media_size: Mapped[int | None] = mapped_column(Integer)
    media_state: Mapped[str | None] = mapped_column(String(16))  # pending/stored/failed
    status: Mapped[str] = mapped_column(String(16), default="received")
    status_rank: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_title: Mapped[str | None] = mapped_column(String(255))
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Outbound, notes and events: who wrote or did it; outbound: its send attempts.
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sending_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )

    conversation: Mapped[Conversation] = relationship()
    author: Mapped[User | None] = relationship()

    def move_to(self, state: str) -> None:
        """Set the delivery state by the state machine; refuses a move it forbids."""
        if not may_move(self.status, state):
            raise IllegalTransition(f"message {self.id}: {self.status} → {state}")
        self.status, self.status_rank = str(state), RANK[state]

    @classmethod
    def of(cls, conversation: Conversation, **fields) -> "Message":
        """A message placed in this conversation: its workspace, number and contact."""
        return cls(
            workspace_id=conversation.workspace_id,
            channel_id=conversation.channel_id,
            conversation_id=conversation.id,
            contact_id=conversation.contact_id,
            **fields,
        )


class SendAttempt(db.Model):
    """One call to Meta's send API for an outbound message, kept for the thread."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("message.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set (committed) just before the request leaves, a wave of a batch at a time:
    # an attempt without it never reached Meta, so a killed worker's claim may be
    # sent again (outbound/recovery.py); one with it waits for Meta's word.
    requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # accepted | retry | failed | unknown (no answer: the request may have arrived)
    # | not_sent (claimed by a worker that died before the request left)
    # | limited (131049, Meta's marketing limit) | paused (132015, template paused)
    # | throttled (130429/131057: the number's pace; the attempt does not count)
    outcome: Mapped[str | None] = mapped_column(String(16))
    http_status: Mapped[int | None] = mapped_column(Integer)
    wamid: Mapped[str | None] = mapped_column(String(255))  # what Meta accepted
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_title: Mapped[str | None] = mapped_column(String(255))
    manual: Mapped[bool] = mapped_column(Boolean, default=False)  # "Erneut senden"


class MessageStatus(db.Model):
    """Every status webhook once, even when it arrives before its message is known."""

    __table_args__ = (
        UniqueConstraint(
            "channel_id",
            "wamid",
            "status",
            name="uq_message_status_channel_wamid_status",
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channel.id", ondelete="CASCADE")
    )
    wamid: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    errors: Mapped[list | None] = mapped_column(Json)
    conversation: Mapped[dict | None] = mapped_column(Json)
    pricing: Mapped[dict | None] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class Reaction(db.Model):
    """A contact's current reaction to a message (by wamid: the message may come later)."""

    __table_args__ = (
        UniqueConstraint(
            "channel_id",
            "target_wamid",
            "contact_id",
            name="uq_reaction_channel_target_contact",
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channel.id", ondelete="CASCADE")
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE")
    )
    target_wamid: Mapped[str] = mapped_column(String(255))
    emoji: Mapped[str | None] = mapped_column(String(32))
    reacted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
