"""The platform's own records: access log, cookie choices, page statistics, inquiries."""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .columns import BigId, utcnow


class AccessLog(db.Model):
    """IP address and time of logins and use, kept to prevent abuse (Art. 6(1)(f))."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(String(32))
    ip_address: Mapped[str] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class CookieConsent(db.Model):
    """Proof of a visitor's cookie choice: no name, only a truncated IP address."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    consent_id: Mapped[str] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(16))
    policy_version: Mapped[str] = mapped_column(String(32))
    preferences: Mapped[bool] = mapped_column(Boolean)
    statistics: Mapped[bool] = mapped_column(Boolean)
    ip_prefix: Mapped[str] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class PageView(db.Model):
    """First-party, pseudonymised usage statistics; recorded only with consent."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(80))
    visitor_hash: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class Inquiry(db.Model):
    """A message sent through the public contact form."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
