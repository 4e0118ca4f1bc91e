"""Segments (Zielgruppen): a workspace's saved contact filters, evaluated when used."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .columns import Json, utcnow


class Segment(Model):
    """A named set of contact-list filters; its members are whoever matches now.

    `filters` holds the contact list's query arguments (contacts/listing.py
    ContactFilters.args()), so a segment opens as that list and counts what the
    list would show today, never a copy of who matched when it was saved.
    """

    __table_args__ = (
        UniqueConstraint("workspace_id", "name", name="uq_segment_workspace_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    filters: Mapped[dict] = mapped_column(Json)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
