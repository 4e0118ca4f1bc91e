"""The raw webhook log: every POST as received, drained by webhooks/ingest.py."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .columns import BigId, utcnow


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
