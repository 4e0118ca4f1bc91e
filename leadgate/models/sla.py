"""A missed first-response target: one row per conversation wait that passed its due moment.

Ids and moments only (no names, numbers or texts): the reports (issue 19) count
them per team and period. Written by sla/clock.py's minute sweep.
"""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .columns import BigId


class SlaBreach(Model):
    __tablename__ = "sla_breach"
    __table_args__ = (
        # One per wait: a second sweep of the same minute adds nothing.
        UniqueConstraint(
            "conversation_id", "due_at", name="uq_sla_breach_conversation_due"
        ),
        Index("ix_sla_breach_workspace_breached", "workspace_id", "breached_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE")
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("team.id", ondelete="SET NULL")
    )
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE")
    )
    waiting_since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    target_minutes: Mapped[int] = mapped_column(Integer)
    breached_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
