"""Logins: one record per signed-in browser, recovery codes, remembered devices.

Every secret here is stored as a SHA-256 hash of a random token of at least
128 bits: the cookie or the code is the only copy, a database leak reveals none.
"""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .columns import BigId, as_utc, utcnow


class SignedInBrowser:
    """What a login and a remembered device both keep of a browser."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # "Firefox auf Windows" and the network, never the full user agent or address.
    device: Mapped[str] = mapped_column(String(80))
    ip_prefix: Mapped[str] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class LoginSession(SignedInBrowser, db.Model):
    """A login: the session and remember cookies name it; ending it signs them out."""

    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    # Updated every few minutes of use (auth/sessions.py), not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    ended_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), index=True
    )
    # logout, ended (from another session), password, two_factor, account_deleted
    end_reason: Mapped[str | None] = mapped_column(String(16))

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """One of ten one-time codes that stand in for the authenticator app."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RememberedDevice(SignedInBrowser, db.Model):
    """A browser that may skip the code for 30 days ("Dieses Gerät merken")."""

    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None and as_utc(self.expires_at) > utcnow()
