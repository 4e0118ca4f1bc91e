"""The consent ledger: append-only proof of who agreed to what, when and how (Art. 7(1)).

Nothing here is updated or deleted, except when the whole contact is erased; the
current state of a purpose is its latest record that no later "taken_back"
record voids (consent/ledger.py).
"""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .columns import BigId, Json, utcnow

PURPOSES = ("whatsapp_marketing", "whatsapp_service")
# taken_back: an objection recorded by mistake, voided (evidence "voids": ids).
ACTIONS = ("opt_in", "opt_out", "taken_back")
SOURCES = ("lead_form", "import", "agent", "keyword", "inbound_message")


class ConsentRecord(db.Model):
    __table_args__ = (
        Index("ix_consent_record_contact_purpose", "contact_id", "purpose", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE")
    )
    purpose: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(32))
    # The exact words: the consent text agreed to, or the contact's own message.
    wording: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    # Form submission id, import file hash and row, or the message's wamid.
    evidence: Mapped[dict] = mapped_column(Json, default=dict)

    recorded_by: Mapped[User | None] = relationship()
