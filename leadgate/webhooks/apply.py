"""Apply parsed webhook items to one channel: contacts, conversations, messages, statuses.

Idempotency lives in the database: unique (channel, wamid) for messages and
(channel, wamid, status) for statuses, written with ON CONFLICT DO NOTHING, so a
duplicate or concurrent delivery can never create a second row.
"""

import logging
from dataclasses import dataclass, field

from sqlalchemy import select, update

from ..dbutil import insert_ignoring_conflicts
from ..extensions import db
from ..media import enqueue_download
from ..models import (
    Channel,
    ChannelEvent,
    Contact,
    Conversation,
    Message,
    MessageTemplate,
    Reaction,
    as_utc,
)
from ..whatsapp.payloads import (
    Identity,
    InboundMessage,
    TemplateStatusUpdate,
    UserPreference,
    WebhookBatch,
)
from .contacts import ContactResolver
from .previews import preview_text
from .statuses import StatusBuffer

log = logging.getLogger(__name__)

# Types that change another message instead of appearing as one in the thread.
MODIFIER_TYPES = {"reaction", "revoke", "edit"}


@dataclass
class ApplyResult:
    messages: int = 0
    duplicates: int = 0
    statuses: int = 0
    other: int = 0
    foreign: int = 0
    media_message_ids: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"messages={self.messages} duplicates={self.duplicates} "
            f"statuses={self.statuses} other={self.other} foreign={self.foreign}"
        )


def own_senders(channel: Channel, batch: WebhookBatch) -> list[Identity]:
    return [
        m.sender for m in batch.messages if m.phone_number_id == channel.phone_number_id
    ]


def apply_batch(
    channel: Channel,
    batch: WebhookBatch,
    contacts: ContactResolver,
    statuses: StatusBuffer,
) -> ApplyResult:
    """Apply everything in a parsed webhook that belongs to this channel.

    Contacts must already be resolved and locked (ContactResolver.lock); statuses
    are buffered and written by the caller for the whole drain batch.
    """
    result = ApplyResult()
    mine = [m for m in batch.messages if m.phone_number_id == channel.phone_number_id]
    result.foreign += len(batch.messages) - len(mine)
    for message in mine:
        apply_message(channel, message, contacts, result)
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
        apply_template(channel, template)
        result.other += 1
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


def conversation_for(
    channel: Channel, contact: Contact, cache: dict | None = None
) -> Conversation:
    key = (channel.id, contact.id)
    if cache is not None and key in cache:
        return cache[key]
    conversation = db.session.scalar(
        select(Conversation)
        .where(
            Conversation.channel_id == channel.id, Conversation.contact_id == contact.id
        )
        .order_by(Conversation.id.desc())
        .limit(1)
    )
    if conversation is None:
        conversation = Conversation(
            workspace_id=channel.workspace_id,
            channel_id=channel.id,
            contact_id=contact.id,
        )
        db.session.add(conversation)
        db.session.flush()
    if cache is not None:
        cache[key] = conversation
    return conversation


def apply_message(
    channel: Channel,
    message: InboundMessage,
    contacts: ContactResolver,
    result: ApplyResult,
) -> None:
    contact = contacts.resolve(message.sender)
    conversation = conversation_for(channel, contact, contacts.conversations)
    message_id = insert_message(channel, conversation, contact, message)
    if message_id is None:
        result.duplicates += 1
        return
    result.messages += 1
    if message.media is not None:
        result.media_message_ids.append(message_id)
    apply_side_effects(channel, contact, message)
    touch_conversation(conversation, contact, message)


def insert_message(
    channel: Channel,
    conversation: Conversation,
    contact: Contact,
    message: InboundMessage,
) -> int | None:
    """Insert once; None if this wamid is already stored (a duplicate delivery)."""
    media = message.media
    statement = insert_ignoring_conflicts(
        Message,
        workspace_id=channel.workspace_id,
        channel_id=channel.id,
        conversation_id=conversation.id,
        contact_id=contact.id,
        direction="in",
        wamid=message.wamid,
        type=message.type,
        text=message.text,
        caption=message.caption,
        reply_to_wamid=message.reply_to_wamid,
        forwarded=message.forwarded or message.frequently_forwarded,
        details=message_details(message),
        raw=message.raw,
        media_id=media.media_id if media else None,
        media_mime_type=media.mime_type if media else None,
        media_filename=media.filename if media else None,
        media_state="pending" if media else None,
        status="received",
        status_rank=0,
        sent_at=message.timestamp,
    ).returning(Message.id)
    return db.session.execute(statement).scalar()


def message_details(message: InboundMessage) -> dict:
    details = dict(message.details)
    if message.media is not None:
        details["media"] = {
            "voice": message.media.voice,
            "animated": message.media.animated,
            "meta_sha256": message.media.sha256,
        }
    if message.frequently_forwarded:
        details["frequently_forwarded"] = True
    if message.target_wamid:
        details["target_wamid"] = message.target_wamid
    if message.type == "reaction":
        details["reaction"] = {
            "to": message.reaction_to_wamid,
            "emoji": message.reaction_emoji,
        }
    return details


def apply_side_effects(
    channel: Channel, contact: Contact, message: InboundMessage
) -> None:
    if message.type == "reaction" and message.reaction_to_wamid:
        apply_reaction(channel, contact, message)
    elif message.type in ("revoke", "edit") and message.target_wamid:
        apply_change(channel, message)
    elif message.type == "system" and message.details.get("new_wa_id"):
        apply_number_change(contact, message.details["new_wa_id"])


def apply_reaction(channel: Channel, contact: Contact, message: InboundMessage) -> None:
    """Keep the contact's latest reaction per message; an empty emoji removes it."""
    db.session.execute(
        insert_ignoring_conflicts(
            Reaction,
            channel_id=channel.id,
            contact_id=contact.id,
            target_wamid=message.reaction_to_wamid,
            emoji=message.reaction_emoji,
            reacted_at=message.timestamp,
        )
    )
    db.session.execute(
        update(Reaction)
        .where(
            Reaction.channel_id == channel.id,
            Reaction.contact_id == contact.id,
            Reaction.target_wamid == message.reaction_to_wamid,
            Reaction.reacted_at < message.timestamp,
        )
        .values(emoji=message.reaction_emoji, reacted_at=message.timestamp)
    )


def apply_change(channel: Channel, message: InboundMessage) -> None:
    """A revoke or edit changes the original message; the original text stays in history."""
    target = db.session.scalar(
        select(Message).where(
            Message.channel_id == channel.id, Message.wamid == message.target_wamid
        )
    )
    if target is None:
        return  # the change itself is stored; the thread shows it on its own
    if message.type == "revoke":
        target.revoked_at = message.timestamp
        return
    history = list((target.details or {}).get("edit_history", []))
    history.append({"text": target.text, "replaced_at": message.timestamp.isoformat()})
    target.details = {**(target.details or {}), "edit_history": history}
    target.text = message.text
    target.edited_at = message.timestamp


def apply_number_change(contact: Contact, new_wa_id: str) -> None:
    taken = db.session.scalar(
        select(Contact.id).where(
            Contact.workspace_id == contact.workspace_id, Contact.wa_id == new_wa_id
        )
    )
    if taken is None:
        contact.wa_id = new_wa_id


def touch_conversation(
    conversation: Conversation, contact: Contact, message: InboundMessage
) -> None:
    if message.type in MODIFIER_TYPES:
        return
    last = (
        as_utc(conversation.last_activity_at) if conversation.last_activity_at else None
    )
    if (
        last is None
        or message.timestamp >= last
        or conversation.last_message_type is None
    ):
        conversation.last_activity_at = message.timestamp
        conversation.last_message_preview = preview_text(message.text, message.caption)
        conversation.last_message_type = message.type
    conversation.unread_count = (conversation.unread_count or 0) + 1
    if conversation.state in ("resolved", "snoozed"):
        conversation.state = "open"  # the contact wrote again
    inbound = as_utc(contact.last_inbound_at) if contact.last_inbound_at else None
    if inbound is None or message.timestamp > inbound:
        contact.last_inbound_at = message.timestamp


def apply_preference(contact: Contact, preference: UserPreference) -> None:
    current = (
        as_utc(contact.marketing_preference_at)
        if contact.marketing_preference_at
        else None
    )
    if current is None or preference.timestamp >= current:
        contact.marketing_preference = preference.value
        contact.marketing_preference_at = preference.timestamp


def apply_template(channel: Channel, template: TemplateStatusUpdate) -> None:
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
    row.status = template.event
    row.reason = template.reason
    row.category = template.category or row.category


def enqueue_media_downloads(message_ids: list[int]) -> None:
    for message_id in message_ids:
        enqueue_download(message_id)
