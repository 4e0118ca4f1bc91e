"""Accounts: users, workspaces, memberships and invitations."""

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .columns import as_utc, utcnow


class Role(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    AGENT = "agent"

    @property
    def can_manage(self) -> bool:
        return self in (Role.OWNER, Role.ADMIN)


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Two-factor login (auth/two_factor.py): the TOTP secret, Fernet-encrypted;
    # set without two_factor_enabled_at while a setup waits for its first code.
    totp_secret: Mapped[str | None] = mapped_column(Text)
    two_factor_enabled_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True)
    )
    # The last 30-second step a code was accepted for: each code works once.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    locale: Mapped[str | None] = mapped_column(String(8))
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Self-service deletion: anonymised at once, the row itself goes after the
    # grace period (DELETED_ACCOUNT_GRACE_DAYS) with the nightly purge.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # The token of the login session this object was loaded or signed in with
    # (auth/sessions.py); not a column: only its hash is stored.
    login_token = None

    def get_id(self) -> str:
        """What the login cookies carry: 'id:token' of a login session."""
        if not self.login_token:
            raise RuntimeError("sign users in with auth.sessions.start()")
        return f"{self.id}:{self.login_token}"


DEFAULT_OPT_OUT_KEYWORDS = "STOP, STOPP, ABMELDEN, ABBESTELLEN, UNSUBSCRIBE"
DEFAULT_OPT_IN_KEYWORDS = "START"
DEFAULT_CONSENT_TEXT = (
    "Ich bin damit einverstanden, dass mich {workspace} per WhatsApp zu meiner "
    "Anfrage und zu passenden Angeboten kontaktiert. Diese Einwilligung kann ich "
    "jederzeit widerrufen, z. B. mit der Nachricht STOP."
)


class Workspace(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # Tell contacts their messages were read when an agent opens the conversation.
    send_read_receipts: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=sa_true()
    )
    # A whole inbound message equal to one of these (any case) records an opt-out
    # of marketing messages, or a new opt-in (consent/keywords.py).
    opt_out_keywords: Mapped[str] = mapped_column(
        String(500),
        default=DEFAULT_OPT_OUT_KEYWORDS,
        server_default=DEFAULT_OPT_OUT_KEYWORDS,
    )
    opt_in_keywords: Mapped[str] = mapped_column(
        String(500),
        default=DEFAULT_OPT_IN_KEYWORDS,
        server_default=DEFAULT_OPT_IN_KEYWORDS,
    )
    # Retention (days; the nightly purge, privacy/retention/purge.py): messages and
    # their media, resolved conversations without activity, lead submissions,
    # and contacts with neither a conversation nor a consent record.
    retention_messages_days: Mapped[int] = mapped_column(
        Integer, default=365, server_default="365"
    )
    retention_resolved_days: Mapped[int] = mapped_column(
        Integer, default=180, server_default="180"
    )
    retention_submissions_days: Mapped[int] = mapped_column(
        Integer, default=180, server_default="180"
    )
    retention_idle_contacts_days: Mapped[int] = mapped_column(
        Integer, default=90, server_default="90"
    )
    # Region for phone numbers written without a country code (phones.py).
    phone_region: Mapped[str] = mapped_column(
        String(2), default="DE", server_default="DE"
    )
    # Sent within the service window after a keyword opt-out, if set.
    opt_out_reply: Mapped[str | None] = mapped_column(Text)
    # What a lead form's WhatsApp checkbox says, and where the privacy notice is.
    consent_text: Mapped[str | None] = mapped_column(Text)
    privacy_url: Mapped[str | None] = mapped_column(String(500))
    # Owners can make two-factor login a condition of using the workspace.
    require_two_factor: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    # Business hours (hours/schedule.py) are wall-clock times of this zone, and
    # closed on the public holidays of this Bundesland (None: no holidays).
    time_zone: Mapped[str] = mapped_column(
        String(64), default="Europe/Berlin", server_default="Europe/Berlin"
    )
    holiday_region: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="workspace", cascade="all, delete-orphan"
    )

    @property
    def effective_consent_text(self) -> str:
        """The consent wording lead forms show: the workspace's own or the default."""
        return self.consent_text or DEFAULT_CONSENT_TEXT.format(workspace=self.name)


# online, "Abwesend" (back soon: keeps their conversations, gets no new ones), offline.
AGENT_STATUSES = ("online", "away", "offline")


class Membership(db.Model):
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    # The agent's own status in this workspace (AGENT_STATUSES): only "online"
    # agents are given conversations (routing/assignment.py).
    status: Mapped[str] = mapped_column(String(16), default="offline")
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )

    workspace: Mapped[Workspace] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def set_status(self, status: str) -> bool:
        """The agent's status in this workspace; True if it changed."""
        if status not in AGENT_STATUSES:
            raise ValueError(status)
        if self.status == status:
            return False
        self.status, self.status_changed_at = status, utcnow()
        return True


class Invite(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16))
    # Only a hash of the link's token is stored, like a password.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    workspace: Mapped[Workspace] = relationship()
    invited_by: Mapped[User | None] = relationship()

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and as_utc(self.expires_at) > utcnow()
        )


def members_of(workspace_id: int) -> list[User]:
    """The workspace's members by name: the choices of assignees, teams, the trail."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.workspace_id == workspace_id)
            .order_by(User.name, User.id)
        )
    )
