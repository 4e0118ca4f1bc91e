"""A workspace's labels and where they are set: on conversations and on contacts."""

from collections import defaultdict
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, UniqueConstraint, select
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column

from ..extensions import db
from .columns import utcnow

LABEL_NAME_LENGTH = 40


class Label(db.Model):
    __table_args__ = (
        UniqueConstraint("workspace_id", "name", name="uq_label_workspace_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(LABEL_NAME_LENGTH))
    color: Mapped[str] = mapped_column(String(16), default="teal")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class ConversationLabel(db.Model):
    __table_args__ = (
        # The label filter: conversations carrying a label.
        Index("ix_conversation_label_label", "label_id", "conversation_id"),
    )

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True
    )
    label_id: Mapped[int] = mapped_column(
        ForeignKey("label.id", ondelete="CASCADE"), primary_key=True
    )


class ContactLabel(db.Model):
    """The workspace's labels (Label above) set on a contact."""

    __table_args__ = (Index("ix_contact_label_label", "label_id", "contact_id"),)

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True
    )
    label_id: Mapped[int] = mapped_column(
        ForeignKey("label.id", ondelete="CASCADE"), primary_key=True
    )


def labels_by(
    owner_id: InstrumentedAttribute[int], ids: list[int]
) -> dict[int, list[Label]]:
    """The labels of many conversations or contacts with one query, by name.

    `owner_id` is ConversationLabel.conversation_id or ContactLabel.contact_id.
    """
    found: dict[int, list[Label]] = defaultdict(list)
    if ids:
        link = owner_id.class_
        for owner, label in db.session.execute(
            select(owner_id, Label)
            .join(Label, Label.id == link.label_id)
            .where(owner_id.in_(ids))
            .order_by(Label.name)
        ):
            found[owner].append(label)
    return found
