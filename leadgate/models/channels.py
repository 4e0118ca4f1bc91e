"""Connected WhatsApp numbers and the account-level events Meta sends about them."""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import Workspace
from .columns import BigId, Json, utcnow


class Channel(db.Model):
    """A WhatsApp business phone number connected by a workspace."""

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    phone_number_id: Mapped[str] = mapped_column(String(32), unique=True)
    waba_id: Mapped[str] = mapped_column(String(32), index=True)
    display_phone: Mapped[str | None] = mapped_column(String(32))
    verified_name: Mapped[str | None] = mapped_column(String(255))
    quality_rating: Mapped[str | None] = mapped_column(String(16))
    # The webhook URL's path segment: unguessable, so the URL reveals no ids.
    key: Mapped[str] = mapped_column(String(32), unique=True)
    verify_token: Mapped[str] = mapped_column(String(64))
    access_token_encrypted: Mapped[str] = mapped_column(Text)
    app_secret_encrypted: Mapped[str] = mapped_column(Text)
    needs_new_token: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    last_webhook_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Meta's throughput level (GET /{phone-number-id}?fields=throughput, read when
    # connected and daily; phone_number_quality_update) and the messages/s it
    # grants, inbound and outbound together: None while unknown.
    throughput_level: Mapped[str | None] = mapped_column(String(32))
    throughput_mps: Mapped[int | None] = mapped_column(Integer)
    throughput_checked_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True)
    )
    # The team that works this number (models/teams.py); its new conversations
    # get that team.
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("team.id", ondelete="SET NULL")
    )

    workspace: Mapped[Workspace] = relationship()


def channels_of(workspace_id: int) -> list[Channel]:
    """The workspace's numbers by name: the choices of filters, forms and teams."""
    return list(
        db.session.scalars(
            select(Channel)
            .where(Channel.workspace_id == workspace_id)
            .order_by(Channel.name, Channel.id)
        )
    )


class ChannelEvent(db.Model):
    """Account-level webhooks: quality, account updates, errors, items we could not read."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channel.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(64))
    value: Mapped[dict | list | None] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
