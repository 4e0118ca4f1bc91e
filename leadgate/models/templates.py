"""Message templates as synced from Meta (per WhatsApp Business Account)."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .columns import Json, utcnow


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
