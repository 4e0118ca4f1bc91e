"""Apply parsed webhook items to one channel: contacts, conversations, messages, statuses.

Idempotency lives in the database: unique (channel, wamid) for messages and
(channel, wamid, status) for statuses, written with ON CONFLICT DO NOTHING, so a
duplicate or concurrent delivery can never create a second row.
"""

import logging
from dataclasses import dataclass, field

from sqlalchemy import or_, select, update

from ..dbutil import insert_ignoring_conflicts
from ..extensions import db
from ..models import (
    Channel,
    ChannelEvent,
    Contact,
    Conversation,
    Message,
    MessageStatus,
    MessageTemplate,
    Reaction,
    as_utc,
)
from ..models.whatsapp import STATUS_RANK
from ..whatsapp.payloads import (
    Identity,
    InboundMessage,
    StatusUpdate,
    TemplateStatusUpdate,
    UserPreference,
    WebhookBatch,
)
from .previews import preview_text

log = logging.getLogger(__name__)

MEDIA_TYPES = {"image", "audio", "video", "document", "sticker"}
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


def apply_batch(channel: Channel, batch: WebhookBatch) -> ApplyResult:
    """Apply everything in a parsed webhook that belongs to this channel."""
    result = ApplyResult()
    contacts = ContactResolver(channel.workspace_id)
    mine = [m for m in batch.messages if m.phone_number_id == channel.phone_number_id]
    result.foreign += len(batch.messages) - len(mine)
    contacts.lock([m.sender for m in mine])
    for message in mine:
        apply_message(channel, message, contacts, result)
    for status in batch.statuses:
        if status.phone_number_id != channel.phone_number_id:
            result.foreign += 1
            continue
        apply_status(channel, status)
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


class ContactResolver:
    """Find or create a workspace's contact by BSUID and/or phone number, race-free."""

    def __init__(self, workspace_id: int):
        self.workspace_id = workspace_id
        self.by_bsuid: dict[str, Contact] = {}
        self.by_wa_id: dict[str, Contact] = {}

    def lock(self, identities: list[Identity]) -> None:
        """Resolve all senders up front, then lock them in id order (no deadlocks)."""
        contacts = {self.resolve(identity).id for identity in identities}
        if contacts and db.engine.dialect.name == "postgresql":
            db.session.execute(
                select(Contact.id)
                .where(Contact.id.in_(sorted(contacts)))
                .order_by(Contact.id)
                .with_for_update()
            )

    def resolve(self, identity: Identity) -> Contact:
        contact = self._cached(identity) or self._find(identity)
        if contact is None:
            values = {
                "workspace_id": self.workspace_id,
                "wa_id": identity.wa_id,
                "bsuid": identity.bsuid,
            }
            db.session.execute(insert_ignoring_conflicts(Contact, **values))
            contact = self._find(identity)
        self._update(contact, identity)
        if contact.bsuid:
            self.by_bsuid[contact.bsuid] = contact
        if contact.wa_id:
            self.by_wa_id[contact.wa_id] = contact
        return contact

    def _cached(self, identity: Identity) -> Contact | None:
        return (
            (identity.bsuid and self.by_bsuid.get(identity.bsuid))
            or (identity.wa_id and self.by_wa_id.get(identity.wa_id))
            or None
        )

    def _find(self, identity: Identity) -> Contact | None:
        conditions = []
        if identity.bsuid:
            conditions.append(Contact.bsuid == identity.bsuid)
        if identity.wa_id:
            conditions.append(Contact.wa_id == identity.wa_id)
        if not conditions:
            raise ValueError("identity without wa_id or BSUID")
        rows = db.session.scalars(
            select(Contact)
            .where(Contact.workspace_id == self.workspace_id, or_(*conditions))
            .order_by(Contact.id)
        ).all()
        # Prefer the BSUID match: it is the stable identifier.
        return next(
            (c for c in rows if identity.bsuid and c.bsuid == identity.bsuid), None
        ) or (rows[0] if rows else None)

    @staticmethod
    def _update(contact: Contact, identity: Identity) -> None:
        if identity.bsuid and not contact.bsuid:
            contact.bsuid = identity.bsuid
        if identity.wa_id and not contact.wa_id:
            contact.wa_id = identity.wa_id
        for attribute, value in (
            ("parent_bsuid", identity.parent_bsuid),
            ("profile_name", identity.name),
            ("username", identity.username),
        ):
            if value and getattr(contact, attribute) != value:
                setattr(contact, attribute, value)


def conversation_for(channel: Channel, contact: Contact) -> Conversation:
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
    return conversation


def apply_message(
    channel: Channel,
    message: InboundMessage,
    contacts: ContactResolver,
    result: ApplyResult,
) -> None:
    contact = contacts.resolve(message.sender)
    conversation = conversation_for(channel, contact)
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


def apply_status(channel: Channel, status: StatusUpdate) -> None:
    """Record the status once, then move the message forward only (never back)."""
    db.session.execute(
        insert_ignoring_conflicts(
            MessageStatus,
            channel_id=channel.id,
            wamid=status.wamid,
            status=status.status,
            timestamp=status.timestamp,
            errors=list(status.errors) or None,
            conversation=status.conversation,
            pricing=status.pricing,
        )
    )
    advance_message_status(channel.id, status.wamid, status.status, status.errors)


def advance_message_status(channel_id: int, wamid: str, status: str, errors=()) -> None:
    rank = STATUS_RANK.get(status)
    if rank is None:
        return
    values: dict = {"status": status, "status_rank": rank}
    if status == "failed" and errors:
        values.update(
            error_code=errors[0].get("code"), error_title=errors[0].get("title")
        )
    db.session.execute(
        update(Message)
        .where(
            Message.channel_id == channel_id,
            Message.wamid == wamid,
            Message.status_rank < rank,
        )
        .values(**values)
    )


def apply_recorded_statuses(channel_id: int, wamid: str) -> None:
    """Replay statuses that arrived before their message had its wamid (outbound sends)."""
    recorded = db.session.scalars(
        select(MessageStatus).where(
            MessageStatus.channel_id == channel_id, MessageStatus.wamid == wamid
        )
    )
    for status in recorded:
        advance_message_status(
            channel_id, wamid, status.status, tuple(status.errors or ())
        )


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
    from ..media import enqueue_download

    for message_id in message_ids:
        enqueue_download(message_id)
