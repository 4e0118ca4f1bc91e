"""Contacts beyond WhatsApp's ids: custom fields, labels, imports and lead forms.

The Contact row itself lives in models/whatsapp.py (webhooks create most of them);
here is what the team adds around it.
"""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import BigId, User, utcnow
from .whatsapp import Channel, Json

# What a custom field holds; values are stored as text in Contact.attributes.
FIELD_KINDS = ("text", "number", "date")


class ContactField(db.Model):
    """A workspace-defined attribute of its contacts (Branche, Stelle, Budget …)."""

    __table_args__ = (
        UniqueConstraint("workspace_id", "key", name="uq_contact_field_workspace_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(40))  # slug, stable for imports/export
    label: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16), default="text")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class ContactLabel(db.Model):
    """The workspace's labels (models.inbox.Label) set on a contact."""

    __table_args__ = (Index("ix_contact_label_label", "label_id", "contact_id"),)

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True
    )
    label_id: Mapped[int] = mapped_column(
        ForeignKey("label.id", ondelete="CASCADE"), primary_key=True
    )


class ContactImport(db.Model):
    """One CSV upload: kept between mapping and import, then only its outcome.

    Data minimisation (contacts/import_writes.py, nightly): the file's bytes stay
    only while its left-out rows can be downloaded, at most 7 days after the
    import; uploads never imported go after a day. The row, its SHA-256 and its
    counts stay, as the consent records' evidence points to them.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    filename: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # {"column name": "target"}, targets in contacts/importing.py
    mapping: Mapped[dict] = mapped_column(Json, default=dict)
    # The wording people agreed to, for rows without their own consent text.
    consent_text: Mapped[str | None] = mapped_column(Text)
    # Known contacts: "fill" only fills empty fields (default), or "overwrite".
    update_mode: Mapped[str] = mapped_column(
        String(16), default="fill", server_default="fill"
    )
    state: Mapped[str] = mapped_column(String(16), default="uploaded")  # or done
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    # [{"row": 7, "reason": "..."}]: row numbers as in the file, never its data.
    invalid_rows: Mapped[list] = mapped_column(Json, default=list)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    created_by: Mapped[User | None] = relationship()


class LeadForm(db.Model):
    """A public form (/f/<slug>) that captures leads with their WhatsApp opt-in."""

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    # The number whose inbox gets the new conversation.
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channel.id", ondelete="CASCADE")
    )
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    headline: Mapped[str | None] = mapped_column(String(200))
    # [{"key": "name" | "email" | "message" | <ContactField.key>, "required": bool}]
    # The phone number is always asked for and always required.
    fields: Mapped[list] = mapped_column(Json, default=list)
    success_text: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )

    channel: Mapped[Channel] = relationship()


class LeadSubmission(db.Model):
    """One submitted lead form: the evidence behind a lead_form consent record."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    form_id: Mapped[int] = mapped_column(
        ForeignKey("lead_form.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[dict] = mapped_column(Json, default=dict)  # the fields as submitted
    consent_given: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_text: Mapped[str | None] = mapped_column(Text)  # exactly as shown
    page_url: Mapped[str | None] = mapped_column(String(500))  # embedding page
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )

    form: Mapped[LeadForm] = relationship()
