"""Public lead forms and what people submitted through them."""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .channels import Channel
from .columns import BigId, Json, utcnow


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
