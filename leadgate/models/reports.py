"""Report keys: the per-workspace secret behind the reports' pseudonyms.

Report tables (prefix `report_`) never hold a contact's id, number or name, nor
a message's wamid: they hold keyed pseudonyms (HMAC-SHA256 with this secret,
reports/pseudonyms.py). The secret is encrypted at rest (crypto.py). Rotating it
(yearly, or when an owner asks) deletes the old one: pseudonyms made with it can
then no longer be linked to anyone, by us either.
"""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .columns import utcnow


class ReportKey(Model):
    __tablename__ = "report_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One secret per workspace at a time: two jobs making the first one at once
    # end up with the same (the second insert does nothing and reads the first).
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), unique=True
    )
    secret_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
