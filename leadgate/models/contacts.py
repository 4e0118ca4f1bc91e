"""Contacts: the person row (webhooks create most of them), custom fields and CSV imports."""

from datetime import datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..phones import pretty
from .accounts import User
from .columns import Json, utcnow

# What a custom field holds; values are stored as text in Contact.attributes.
FIELD_KINDS = ("text", "number", "date")


class Contact(db.Model):
    """A person writing to a workspace: one row per workspace, whichever id arrives."""

    __table_args__ = (
        UniqueConstraint("workspace_id", "wa_id", name="uq_contact_workspace_wa_id"),
        UniqueConstraint("workspace_id", "bsuid", name="uq_contact_workspace_bsuid"),
        # Duplicates and imports look contacts up by their number in E.164.
        Index("ix_contact_workspace_phone", "workspace_id", "phone_e164"),
        # The contact list pages newest first.
        Index("ix_contact_workspace_created", "workspace_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    # WhatsApp's own id (digits; unique): as Meta sends it, or the E.164 number
    # without "+" for contacts entered by hand, imported or captured by a form.
    wa_id: Mapped[str | None] = mapped_column(String(32))
    bsuid: Mapped[str | None] = mapped_column(String(128))
    # The phone number in E.164 (phones.py). Not unique: a BSUID contact and an
    # imported one can share it until they are merged (contacts/merge.py).
    phone_e164: Mapped[str | None] = mapped_column(String(20))
    # Name and email as the team knows them (rectification); profile_name is
    # what the person set in WhatsApp.
    name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(254))
    # Values of the workspace's custom fields (ContactField.key -> text).
    attributes: Mapped[dict] = mapped_column(Json, default=dict)
    # The latest marketing record's action (opt_in/opt_out), kept by
    # consent.ledger.record for the list filter; the ledger stays the proof.
    marketing_consent: Mapped[str | None] = mapped_column(String(16))
    parent_bsuid: Mapped[str | None] = mapped_column(String(128))
    username: Mapped[str | None] = mapped_column(String(64))
    profile_name: Mapped[str | None] = mapped_column(String(255))
    # Meta's marketing stop/resume (user_preferences); the consent ledger reads it later.
    marketing_preference: Mapped[str | None] = mapped_column(String(16))
    marketing_preference_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True)
    )
    last_inbound_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Nobody may message a contact who objected (opted out) or whose processing is
    # restricted (Art. 18 GDPR); the consent ledger will set these (outbound/rules.py).
    opted_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    restricted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    restricted_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )

    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def display_name(self) -> str:
        return display_name_of(self)

    def take_wa_id(self, wa_id: str) -> None:
        """Take this WhatsApp id unless another contact of the workspace holds it.

        wa_id is unique per workspace; if another contact has it, both are the
        same person and keep their ids until the team merges them (contacts/merge.py).
        """
        taken = db.session.scalar(
            select(Contact.id).where(
                Contact.workspace_id == self.workspace_id,
                Contact.wa_id == wa_id,
                Contact.id != self.id,
            )
        )
        if taken is None:
            self.wa_id = wa_id


class ContactField(db.Model):
    """A workspace-defined attribute of its contacts (Branche, Stelle, Budget …)."""

    __table_args__ = (
        UniqueConstraint("workspace_id", "key", name="uq_contact_field_workspace_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(40))  # slug, stable for imports/export
    label: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16), default="text")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )


class ContactImport(db.Model):
    """One CSV upload: kept between mapping and import, then only its outcome.

    Data minimisation (contacts/importing/writes.py, nightly): the file's bytes stay
    only while its left-out rows can be downloaded, at most 7 days after the
    import; uploads never imported go after a day. The row, its SHA-256 and its
    counts stay, as the consent records' evidence points to them.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    filename: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # {"column name": "target"}, targets in contacts/importing/plan.py
    mapping: Mapped[dict] = mapped_column(Json, default=dict)
    # The wording people agreed to, for rows without their own consent text.
    consent_text: Mapped[str | None] = mapped_column(Text)
    # Known contacts: "fill" only fills empty fields (default), or "overwrite".
    update_mode: Mapped[str] = mapped_column(
        String(16), default="fill", server_default="fill"
    )
    state: Mapped[str] = mapped_column(String(16), default="uploaded")  # or done
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    # [{"row": 7, "reason": "..."}]: row numbers as in the file, never its data.
    invalid_rows: Mapped[list] = mapped_column(Json, default=list)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # An import for one campaign's audience (a one-off list): every contact it
    # writes gets a label of its own, which the campaign wizard then offers.
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign.id", ondelete="SET NULL")
    )
    label_id: Mapped[int | None] = mapped_column(
        ForeignKey("label.id", ondelete="SET NULL")
    )

    created_by: Mapped[User | None] = relationship()


def display_name_of(contact) -> str:
    """How the team sees a contact: a Contact, or a row with its name and id columns."""
    if contact.name:
        return contact.name
    if contact.profile_name:
        return contact.profile_name
    if contact.phone_e164 or contact.wa_id:
        return pretty(contact.phone_e164 or f"+{contact.wa_id}")
    return contact.username or contact.bsuid or "?"
