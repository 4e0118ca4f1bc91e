"""Canned responses: a workspace's prepared answers for the composer."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .columns import utcnow


class CannedResponse(db.Model):
    """A workspace's prepared answer, inserted by typing / and its shortcut."""

    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "shortcut", name="uq_canned_response_workspace_shortcut"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    shortcut: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
