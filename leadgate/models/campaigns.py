"""Campaigns: one approved template to an audience, with proof per recipient.

A campaign's recipients are rows, not a list in a job: planned at launch in the
order they will be sent, claimed once each by moving them from `planned` to
`queued` in the same commit that stores their message (campaigns/feed.py), so a
killed worker or a lost Redis neither loses nor doubles anyone. What happens to
the message after that (sent, delivered, read, failed, limited) is the message's
own state; the recipient row keeps what the evidence needs: the consent record
or lawful basis it relied on, and why someone was left out.
"""

from datetime import datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .columns import BigId, Json, utcnow

# draft → scheduled|running → paused ⇄ running → finished; cancelled from any
# state before finished. One table of moves: CAMPAIGN_MOVES.
CAMPAIGN_STATES = ("draft", "scheduled", "running", "paused", "finished", "cancelled")
CAMPAIGN_MOVES = {
    "draft": {"scheduled", "running", "cancelled"},
    "scheduled": {"draft", "running", "paused", "cancelled"},
    "running": {"paused", "finished", "cancelled"},
    "paused": {"running", "cancelled"},
    "finished": set(),
    "cancelled": set(),
}
# planned: waits its turn; queued: its message exists (the message's state says
# the rest); left_out: not planned at launch (reason); skipped: planned, but a
# rule held at its turn (reason: a STOP during the campaign); cancelled: the
# campaign was cancelled before its turn.
RECIPIENT_STATES = ("planned", "queued", "left_out", "skipped", "cancelled")
# What a message to a recipient rests on (Art. 6(1) GDPR).
LAWFUL_BASES = ("consent", "contract", "legitimate_interest")


class IllegalCampaignMove(Exception):
    pass


class Campaign(Model):
    __table_args__ = (Index("ix_campaign_workspace_created", "workspace_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(16), default="draft")
    # Why it stopped by itself ("template_paused", "template_withdrawn",
    # "number_unusable"); None when the team paused it or it runs.
    paused_reason: Mapped[str | None] = mapped_column(String(32))
    # When owners and admins were mailed about that stop (campaigns/notices.py);
    # cleared when it runs again, so the next stop is mailed too.
    stop_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("channel.id", ondelete="SET NULL")
    )
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("message_template.id", ondelete="SET NULL")
    )
    # {"segment": id} or {"label": id}: evaluated at launch, never stored as members.
    audience: Mapped[dict] = mapped_column(Json, default=dict)
    # Placeholder key ("BODY:1") → {"source": first_name|…|attr:<key>|text,
    # "text": fixed text, "fallback": for an empty contact value}.
    placeholders: Mapped[dict] = mapped_column(Json, default=dict)
    # For utility and authentication templates: what the messages rest on
    # (marketing always rests on each recipient's consent record).
    lawful_basis: Mapped[str | None] = mapped_column(String(32))
    # A media header's file (our stored copy) and its upload at Meta, once.
    header_sha256: Mapped[str | None] = mapped_column(String(64))
    header_mime_type: Mapped[str | None] = mapped_column(String(128))
    header_filename: Mapped[str | None] = mapped_column(String(255))
    header_media_id: Mapped[str | None] = mapped_column(String(128))
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    planned: Mapped[int] = mapped_column(Integer, default=0)
    left_out: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    launched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def move_to(self, state: str) -> None:
        """Change the state by CAMPAIGN_MOVES; a move it does not list raises."""
        if state not in CAMPAIGN_MOVES[self.state]:
            raise IllegalCampaignMove(f"campaign {self.id}: {self.state} → {state}")
        self.state = state
        if state in ("running", "draft", "scheduled"):
            self.paused_reason = None
            self.stop_notified_at = None
        if state in ("finished", "cancelled"):
            self.finished_at = utcnow()

    @property
    def editable(self) -> bool:
        """Drafts and scheduled campaigns change until they start."""
        return self.state in ("draft", "scheduled")


class CampaignRecipient(Model):
    __table_args__ = (
        UniqueConstraint(
            "campaign_id", "contact_id", name="uq_campaign_recipient_contact"
        ),
        # The feed takes the next planned rows in order; results count by state.
        Index(
            "ix_campaign_recipient_state_position", "campaign_id", "state", "position"
        ),
        # Replies and erasure find a contact's rows.
        Index("ix_campaign_recipient_contact", "contact_id"),
        Index("ix_campaign_recipient_message", "message_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE")
    )
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE")
    )
    # Erasing a contact erases their recipient rows (Art. 17).
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="planned")
    reason: Mapped[str | None] = mapped_column(String(32))
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("message.id", ondelete="SET NULL")
    )
    consent_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("consent_record.id", ondelete="SET NULL")
    )
    lawful_basis: Mapped[str | None] = mapped_column(String(32))
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
