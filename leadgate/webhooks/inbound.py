"""Inbound messages of a whole drain batch, stored with a handful of statements.

A drain applies up to a few hundred webhooks at once. Storing their messages one
by one costs several database round trips each; here the batch finds or opens all
its conversations with two statements and inserts all messages with one
(ON CONFLICT DO NOTHING: the unique (channel, wamid) keeps duplicates out, also
when two drains race). Side effects then run in arrival order.
"""

from dataclasses import dataclass

from sqlalchemy import select, update

from ..consent.first_contact import FirstContacts
from ..consent.keywords import apply_keyword, confirm_opt_out
from ..dbutil import (
    bulk_insert_ignoring_conflicts,
    insert_ignoring_conflicts,
    one_of,
)
from ..extensions import db
from ..models import Channel, Contact, Conversation, Message, Reaction, as_utc
from ..searchdoc import add_words
from ..whatsapp.payloads import InboundMessage
from .previews import preview_text

# Types that change another message instead of appearing as one in the thread.
MODIFIER_TYPES = {"reaction", "revoke", "edit"}

messages = Message.__table__


@dataclass
class Pending:
    channel: Channel
    contact: Contact
    message: InboundMessage
    result: object  # the ApplyResult of the webhook the message came in


class InboundBuffer:
    """Inbound messages of one drain batch, written together by flush()."""

    def __init__(self) -> None:
        self.pending: list[Pending] = []
        self.touched: set[tuple[int, int]] = set()  # (workspace, conversation)
        self.replies: set[int] = set()  # channels with queued confirmations
        self.first_contacts = FirstContacts()

    def add(self, channel, contact, message, result) -> None:
        self.pending.append(Pending(channel, contact, message, result))

    def apply_keyword(self, item: Pending, conversation: Conversation) -> None:
        """STOP/START: record it; confirm an opt-out if the workspace says so."""
        action = apply_keyword(
            item.channel, item.contact, item.message.text, item.message.wamid
        )
        if action == "opt_out" and confirm_opt_out(
            item.channel, item.contact, conversation
        ):
            self.replies.add(item.channel.id)

    def flush(self) -> list[int]:
        """Store the buffered messages; return ids of new messages with media."""
        if not self.pending:
            return []
        pending, self.pending = self.pending, []
        conversations = conversations_for(
            {(p.channel, p.contact.id): p.contact for p in pending}
        )
        stored = insert_new(pending, conversations)
        media_ids: list[int] = []
        words: dict[int, list[str | None]] = {}  # conversation id → new texts
        for item in pending:
            message_id = stored.pop((item.channel.id, item.message.wamid), None)
            if message_id is None:  # stored before, or twice in this batch
                item.result.duplicates += 1
                continue
            item.result.messages += 1
            if item.message.media is not None:
                media_ids.append(message_id)
            apply_side_effects(item.channel, item.contact, item.message)
            self.first_contacts.add(
                item.contact, item.message.type, item.message.wamid, item.channel.id
            )
            conversation = conversations[(item.channel.id, item.contact.id)]
            touch_conversation(conversation, item.contact, item.message)
            if item.message.type == "text":
                self.apply_keyword(item, conversation)
            self.touched.add((item.channel.workspace_id, conversation.id))
            words.setdefault(conversation.id, []).extend(
                (item.message.text, item.message.caption)
            )
        for conversation in conversations.values():
            add_words(conversation, *words.get(conversation.id, ()))
        self.first_contacts.record()
        return media_ids


def conversations_for(pairs: dict[tuple[Channel, int], Contact]) -> dict:
    """The latest conversation per (channel id, contact id); missing ones are opened."""
    keys = {(channel.id, contact_id) for channel, contact_id in pairs}
    found: dict[tuple[int, int], Conversation] = {}
    for conversation in db.session.scalars(
        select(Conversation)
        .where(
            one_of(Conversation.contact_id, {contact for _, contact in keys}),
            one_of(Conversation.channel_id, {channel for channel, _ in keys}),
        )
        .order_by(Conversation.id)
    ):
        key = (conversation.channel_id, conversation.contact_id)
        if key in keys:  # the latest conversation of each pair wins
            found[key] = conversation
    opened = [
        Conversation(
            workspace_id=channel.workspace_id,
            channel_id=channel.id,
            contact_id=contact_id,
        )
        for channel, contact_id in pairs
        if (channel.id, contact_id) not in found
    ]
    if opened:
        db.session.add_all(opened)
        db.session.flush()  # one multi-row INSERT … RETURNING for all of them
        found.update({(c.channel_id, c.contact_id): c for c in opened})
    return found


def insert_new(pending: list[Pending], conversations: dict) -> dict:
    """Insert every message not stored yet; return {(channel id, wamid): new id}."""
    rows = {}
    for item in pending:
        key = (item.channel.id, item.message.wamid)
        if key not in rows:
            conversation = conversations[(item.channel.id, item.contact.id)]
            rows[key] = message_row(item, conversation.id)
    result = bulk_insert_ignoring_conflicts(
        messages, list(rows.values()), returning=("id", "channel_id", "wamid")
    )
    return {(row.channel_id, row.wamid): row.id for row in result}


def message_row(item: Pending, conversation_id: int) -> dict:
    message, media = item.message, item.message.media
    return {
        "workspace_id": item.channel.workspace_id,
        "channel_id": item.channel.id,
        "conversation_id": conversation_id,
        "contact_id": item.contact.id,
        "direction": "in",
        "wamid": message.wamid,
        "type": message.type,
        "text": message.text,
        "caption": message.caption,
        "reply_to_wamid": message.reply_to_wamid,
        "forwarded": message.forwarded or message.frequently_forwarded,
        "details": message_details(message),
        "raw": message.raw,
        "media_id": media.media_id if media else None,
        "media_mime_type": media.mime_type if media else None,
        "media_filename": media.filename if media else None,
        "media_state": "pending" if media else None,
        "status": "received",
        "status_rank": 0,
        "sent_at": message.timestamp,
    }


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
    conversation.inbound_count = (conversation.inbound_count or 0) + 1
    if conversation.state in ("resolved", "snoozed"):
        conversation.state = "open"  # the contact wrote again
    inbound = as_utc(contact.last_inbound_at) if contact.last_inbound_at else None
    if inbound is None or message.timestamp > inbound:
        contact.last_inbound_at = message.timestamp
