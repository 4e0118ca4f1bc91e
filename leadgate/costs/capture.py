"""Priced statuses of a drain batch become `report_pricing` facts, one per message.

Since July 2025 Meta prices each message (PMP) and puts the same `pricing`
object on its `sent` status and on one of delivered/read; retries repeat them.
So a fact is keyed by the message (its wamid as a keyed pseudonym), never by
`conversation.id`, and a second sighting does nothing (ON CONFLICT DO NOTHING on
the workspace's pseudonym). The drain hands over its batch at once: one read of
the messages' campaign, template and recipient, one insert for all facts.

Before July 2025 (`pricing_model` CBP) Meta priced conversations, not messages:
such statuses are left out rather than miscounted.
"""

from datetime import UTC
from typing import cast

from sqlalchemy import Table, delete, select

from ..dbutil import bulk_insert_ignoring_conflicts, one_of
from ..extensions import db
from ..models import (
    Campaign,
    Channel,
    Contact,
    Message,
    MessageTemplate,
    ReportPricing,
)
from ..reports.pseudonyms import Pseudonyms
from ..whatsapp.payloads.statuses import StatusUpdate
from .rates import country_of

WORD = 32  # report_pricing.category / pricing_type


class PricingBuffer:
    """The priced statuses of one drain batch, first sighting per message."""

    def __init__(self) -> None:
        self.seen: dict[tuple[int, str], dict] = {}

    def add(self, channel_id: int, status: StatusUpdate) -> None:
        pricing = status.pricing or {}
        category, kind = pricing.get("category"), pricing.get("type")
        if pricing.get("pricing_model") == "CBP" or not (
            isinstance(category, str) and isinstance(kind, str)
        ):
            return
        if len(category) > WORD or len(kind) > WORD:
            return  # not Meta's vocabulary: nothing to price
        self.seen.setdefault(
            (channel_id, status.wamid),
            {
                "category": category,
                "pricing_type": kind,
                "billable": kind == "regular",
                "sent_at": status.timestamp,
                "recipient": status.recipient.wa_id,
            },
        )

    def flush(self) -> None:
        """Insert the batch's facts with one statement (the drain commits)."""
        if not self.seen:
            return
        seen, self.seen = self.seen, {}
        rows = facts(seen)
        if rows:
            table = cast(Table, ReportPricing.__table__)
            bulk_insert_ignoring_conflicts(table, rows)


def facts(seen: dict[tuple[int, str], dict]) -> list[dict]:
    """The report rows: pseudonym, country and the message's campaign and template."""
    channels = {channel_id for channel_id, _wamid in seen}
    workspaces = dict(
        db.session.execute(
            select(Channel.id, Channel.workspace_id).where(one_of(Channel.id, channels))
        ).all()
    )
    known = messages_of(channels, {wamid for _channel, wamid in seen})
    names = Pseudonyms()
    rows = []
    for (channel_id, wamid), fact in seen.items():
        workspace_id = workspaces.get(channel_id)
        if workspace_id is None:
            continue  # the number was removed meanwhile
        campaign_id, template_id, number = known.get((channel_id, wamid), (None,) * 3)
        recipient = fact.pop("recipient") or number
        rows.append(
            {
                "workspace_id": workspace_id,
                "message_key": names.of(workspace_id, "wamid", f"{channel_id}:{wamid}"),
                "channel_id": channel_id,
                "campaign_id": campaign_id,
                "template_id": template_id,
                "country": country_of(recipient),
                **fact,
                "sent_on": fact["sent_at"].astimezone(UTC).date(),
            }
        )
    return rows


def messages_of(channels: set[int], wamids: set[str]) -> dict:
    """(channel, wamid) → (campaign id, template id, recipient's wa_id) of our sends."""
    found = db.session.execute(
        select(
            Message.channel_id,
            Message.wamid,
            Campaign.id,
            MessageTemplate.id,
            Contact.wa_id,
        )
        .join(Contact, Contact.id == Message.contact_id)
        # Joined, not read from details: a template removed since (template
        # sync) must not end up as a dangling reference.
        .outerjoin(Campaign, Campaign.id == Message.details["campaign_id"].as_integer())
        .outerjoin(
            MessageTemplate,
            MessageTemplate.id == Message.details["template_id"].as_integer(),
        )
        .where(one_of(Message.channel_id, channels), one_of(Message.wamid, wamids))
    )
    return {(row[0], row[1]): (row[2], row[3], row[4]) for row in found}


def forget_contact_messages(workspace_id: int, contact_id: int) -> None:
    """An erased contact's priced messages leave the costs too (the caller commits).

    Found by recomputing their pseudonyms from the wamids, before the messages
    themselves are deleted.
    """
    sent = db.session.execute(
        select(Message.channel_id, Message.wamid).where(
            Message.contact_id == contact_id,
            Message.direction == "out",
            Message.wamid.is_not(None),
        )
    ).all()
    if not sent:
        return
    names = Pseudonyms()
    keys = [names.of(workspace_id, "wamid", f"{c}:{w}") for c, w in sent]
    db.session.execute(
        delete(ReportPricing).where(
            ReportPricing.workspace_id == workspace_id,
            one_of(ReportPricing.message_key, keys),
        )
    )
