"""Records of data-subject rights at work: the audit trail and the suppression list."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .columns import BigId, Json, utcnow


class AuditEvent(db.Model):
    """Who did what to which object, and when; never message content.

    Details hold ids, counts and field names. The actor's row may go (account
    deletion): the event stays, shown as a former team member.
    """

    __table_args__ = (
        Index("ix_audit_event_workspace_created", "workspace_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # None: platform-wide (the nightly purge of platform records, account deletions).
    workspace_id: Mapped[int | None] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE")
    )
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(40))  # audit.ACTIONS
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(BigId)
    details: Mapped[dict] = mapped_column(Json, default=dict)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )

    actor: Mapped[User | None] = relationship()


class Suppression(db.Model):
    """A keyed hash of an erased contact's number or BSUID who had opted out.

    Kept under a legal obligation (Art. 17(3)(b), Art. 21(3) GDPR: the objection
    must keep working), so a later import or lead form does not record them as
    opted in again. Only the hash is stored (HMAC with a key from SECRET_KEY):
    it recognises the same number, it cannot be turned back into one.
    """

    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "value_hash", name="uq_suppression_workspace_hash"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # phone or bsuid
    value_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
