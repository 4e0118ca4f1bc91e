"""WhatsApp data: channels, contacts, conversations, messages and the raw webhook log."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..phones import pretty
from .accounts import BigId, User, Workspace, utcnow

Json = JSON().with_variant(JSONB(), "postgresql")

# Outbound delivery states only move forward: a late "delivered" never undoes "read".
# "failed" outranks "sent" but not a confirmed delivery. "held": Meta accepted a
# paced template but holds it (held_for_quality_assessment); "sent" moves it on.
# Before a send: "paused" waits for its paused template; after one, "limited" is
# Meta's per-user marketing limit (131049), ranked like "failed" but no failure.
STATUS_RANK = {
    "queued": 0,
    "paused": 0,
    "held": 5,
    "sent": 10,
    "failed": 15,
    "limited": 15,
    "delivered": 20,
    "read": 30,
    "played": 40,
}


class Channel(db.Model):
    """A WhatsApp business phone number connected by a workspace."""

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    phone_number_id: Mapped[str] = mapped_column(String(32), unique=True)
    waba_id: Mapped[str] = mapped_column(String(32), index=True)
    display_phone: Mapped[str | None] = mapped_column(String(32))
    verified_name: Mapped[str | None] = mapped_column(String(255))
    quality_rating: Mapped[str | None] = mapped_column(String(16))
    # The webhook URL's path segment: unguessable, so the URL reveals no ids.
    key: Mapped[str] = mapped_column(String(32), unique=True)
    verify_token: Mapped[str] = mapped_column(String(64))
    access_token_encrypted: Mapped[str] = mapped_column(Text)
    app_secret_encrypted: Mapped[str] = mapped_column(Text)
    needs_new_token: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    last_webhook_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    workspace: Mapped[Workspace] = relationship()


class Contact(db.Model):
    """A person writing to a workspace: one row per workspace, whichever id arrives."""

    __table_args__ = (
        UniqueConstraint("workspace_id", "wa_id", name="uq_contact_workspace_wa_id"),
        UniqueConstraint("workspace_id", "bsuid", name="uq_contact_workspace_bsuid"),
        # Duplicates and imports look contacts up by their number in E.164.
        Index("ix_contact_workspace_phone", "workspace_id", "phone_e164"),
        # The contact list pages newest first.
        Index("ix_contact_workspace_created", "workspace_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    # WhatsApp's own id (digits; unique): as Meta sends it, or the E.164 number
    # without "+" for contacts entered by hand, imported or captured by a form.
    wa_id: Mapped[str | None] = mapped_column(String(32))
    bsuid: Mapped[str | None] = mapped_column(String(128))
    # The phone number in E.164 (phones.py). Not unique: a BSUID contact and an
    # imported one can share it until they are merged (contacts/merge.py).
    phone_e164: Mapped[str | None] = mapped_column(String(20))
    # Name and email as the team knows them (rectification); profile_name is
    # what the person set in WhatsApp.
    name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(254))
    # Values of the workspace's custom fields (ContactField.key -> text).
    attributes: Mapped[dict] = mapped_column(Json, default=dict)
    # The latest marketing record's action (opt_in/opt_out), kept by
    # consent.ledger.record for the list filter; the ledger stays the proof.
    marketing_consent: Mapped[str | None] = mapped_column(String(16))
    parent_bsuid: Mapped[str | None] = mapped_column(String(128))
    username: Mapped[str | None] = mapped_column(String(64))
    profile_name: Mapped[str | None] = mapped_column(String(255))
    # Meta's marketing stop/resume (user_preferences); the consent ledger reads it later.
    marketing_preference: Mapped[str | None] = mapped_column(String(16))
    marketing_preference_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True)
    )
    last_inbound_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Nobody may message a contact who objected (opted out) or whose processing is
    # restricted (Art. 18 GDPR); the consent ledger will set these (outbound/rules.py).
    opted_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    restricted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    restricted_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )

    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def display_name(self) -> str:
        if self.name:
            return self.name
        if self.profile_name:
            return self.profile_name
        if self.phone_e164 or self.wa_id:
            return pretty(self.phone_e164 or f"+{self.wa_id}")
        return self.username or self.bsuid or "?"


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
    state: Mapped[str] = mapped_column(
        String(16), default="open"
    )  # models.inbox.STATES
    snoozed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
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
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # accepted | retry | failed | unknown (no answer: the request may have arrived)
    # | limited (131049, Meta's marketing limit) | paused (132015, template paused)
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


class MessageTemplate(db.Model):
    __table_args__ = (
        UniqueConstraint(
            "workspace_id",
            "meta_template_id",
            name="uq_message_template_workspace_meta_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    waba_id: Mapped[str] = mapped_column(String(32))
    meta_template_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(512))
    language: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    # As synced: {"components": [...], "parameter_format": "POSITIONAL" | "NAMED"}
    components: Mapped[dict | None] = mapped_column(Json)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class WebhookEvent(db.Model):
    """A webhook POST exactly as received, committed before Meta gets its 200."""

    __table_args__ = (
        Index("ix_webhook_event_state_received", "state", "received_at"),
        Index(
            "ix_webhook_event_failed",
            "failed_at",
            postgresql_where=text("state = 'failed'"),
            sqlite_where=text("state = 'failed'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("channel.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(String(255))  # counts and error names only
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A drain that raised (webhooks/ingest.py): state "failed", the exception's
    # class (never its message, which may quote personal data), when, how often.
    error_class: Mapped[str | None] = mapped_column(String(128))
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ChannelEvent(db.Model):
    """Account-level webhooks: quality, account updates, errors, items we could not read."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channel.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(64))
    value: Mapped[dict | list | None] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
