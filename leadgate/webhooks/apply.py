"""Route the items of one parsed webhook: messages, statuses, preferences, templates.

Messages and statuses are buffered and written for the whole drain batch at once
(inbound.py, statuses.py). Idempotency lives in the database: unique (channel,
wamid) for messages and (channel, wamid, status) for statuses, written with ON
CONFLICT DO NOTHING, so a duplicate or concurrent delivery never creates a row twice.
"""

import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from ..channels import throughput
from ..extensions import db
from ..media import enqueue_download
from ..models import Channel, ChannelEvent, Contact, MessageTemplate, as_utc
from ..outbound import template_status
from ..whatsapp.payloads.account import TemplateStatusUpdate
from ..whatsapp.payloads.batch import WebhookBatch
from ..whatsapp.payloads.items import Identity
from ..whatsapp.payloads.preferences import UserPreference
from .apply_newer import apply_newer, newer_senders
from .contacts import ContactResolver
from .inbound import InboundBuffer
from .statuses import StatusBuffer

log = logging.getLogger(__name__)


@dataclass
class ApplyResult:
    messages: int = 0  # counted when the drain batch's messages are written
    duplicates: int = 0
    statuses: int = 0
    other: int = 0
    foreign: int = 0
    arrived: int = 0  # inbound messages: they share the number's throughput
    reread_level: bool = False  # a quality update: ask Meta for the level
    # Messages waiting for a template that a status webhook paused or released.
    templates: template_status.Change = field(default_factory=template_status.Change)

    def summary(self) -> str:
        return (
            f"messages={self.messages} duplicates={self.duplicates} "
            f"statuses={self.statuses} other={self.other} foreign={self.foreign}"
        )


def own_senders(channel: Channel, batch: WebhookBatch) -> list[Identity]:
    return [
        m.sender for m in batch.messages if m.phone_number_id == channel.phone_number_id
    ] + newer_senders(channel, batch)


def apply_batch(
    channel: Channel,
    batch: WebhookBatch,
    contacts: ContactResolver,
    inbound: InboundBuffer,
    statuses: StatusBuffer,
) -> ApplyResult:
    """Apply everything in a parsed webhook that belongs to this channel.

    Contacts must already be resolved and locked (ContactResolver.lock); messages
    and statuses are buffered and written by the caller for the whole drain batch.
    """
    result = ApplyResult()
    mine = [m for m in batch.messages if m.phone_number_id == channel.phone_number_id]
    result.foreign += len(batch.messages) - len(mine)
    result.arrived += len(mine)
    for message in mine:
        inbound.add(channel, contacts.resolve(message.sender), message, result)
    for status in batch.statuses:
        if status.phone_number_id != channel.phone_number_id:
            result.foreign += 1
            continue
        statuses.add(channel.id, status)
        result.statuses += 1
    for preference in batch.preferences:
        if preference.phone_number_id != channel.phone_number_id:
            result.foreign += 1
            continue
        apply_preference(contacts.resolve(preference.identity), preference)
        result.other += 1
    for template in batch.templates:
        if template.waba_id != channel.waba_id:
            result.foreign += 1
            continue
        result.templates.add(apply_template(channel, template))
        result.other += 1
    apply_newer(channel, batch, contacts, inbound, result)  # calls, app, groups
    record_channel_events(channel, batch, result)
    return result


def record_channel_events(
    channel: Channel, batch: WebhookBatch, result: ApplyResult
) -> None:
    """Account events, value-level errors and unreadable items are kept, not dropped."""
    for event in batch.account_events:
        if event.waba_id != channel.waba_id:
            result.foreign += 1
            continue
        db.session.add(
            ChannelEvent(channel_id=channel.id, field=event.field, value=event.value)
        )
        if event.field == "phone_number_quality_update":
            quality = event.value.get("current_limit") or event.value.get("event")
            log.info("Channel %s quality update: %s", channel.id, quality)
            if throughput.apply_quality_update(channel, event.value):
                result.reread_level = True
        result.other += 1
    for error in batch.errors:
        db.session.add(
            ChannelEvent(
                channel_id=channel.id, field="errors", value=list(error.errors)
            )
        )
        result.other += 1
    for rejected in batch.rejected:
        db.session.add(
            ChannelEvent(
                channel_id=channel.id,
                field="rejected",
                value={
                    "field": rejected.field,
                    "reason": rejected.reason,
                    "item": rejected.item,
                },
            )
        )
        result.other += 1


def apply_preference(contact: Contact, preference: UserPreference) -> None:
    current = (
        as_utc(contact.marketing_preference_at)
        if contact.marketing_preference_at
        else None
    )
    if current is None or preference.timestamp >= current:
        contact.marketing_preference = preference.value
        contact.marketing_preference_at = preference.timestamp


def apply_template(
    channel: Channel, template: TemplateStatusUpdate
) -> template_status.Change:
    row = db.session.scalar(
        select(MessageTemplate).where(
            MessageTemplate.workspace_id == channel.workspace_id,
            MessageTemplate.meta_template_id == template.template_id,
        )
    )
    if row is None:
        row = MessageTemplate(
            workspace_id=channel.workspace_id,
            waba_id=channel.waba_id,
            meta_template_id=template.template_id,
            name=template.name,
            language=template.language,
        )
        db.session.add(row)
    row.category = template.category or row.category
    return template_status.apply_event(
        row, template.event, template_status.webhook_reason(template.raw)
    )


def enqueue_media_downloads(message_ids: list[int]) -> None:
    for message_id in message_ids:
        enqueue_download(message_id)
