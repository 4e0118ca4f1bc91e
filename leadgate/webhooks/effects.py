"""What a newly stored message does beyond its own row.

Modifiers change another message (a reaction, a revoke, an edit) or the contact
(a number change); every message moves its conversation: an inbound one as the
contact writing (unread, reopened), one the business sent from the WhatsApp
Business app as the team's own, a synced history one only if it is the newest.
"""

from sqlalchemy import select, update

from ..dbutil import insert_ignoring_conflicts
from ..extensions import db
from ..models import (
    Channel,
    Contact,
    Conversation,
    Message,
    Reaction,
    as_utc,
    utcnow,
)
from ..models.previews import preview_text
from ..phones import e164_of_wa_id
from ..reports import facts as report_facts
from ..whatsapp.payloads.messages import MEDIA_TYPES, InboundMessage

# Types that change another message instead of appearing as one in the thread.
MODIFIER_TYPES = {"reaction", "revoke", "edit"}
# What an edit replaces: the caption of a media message, the body of a text.
CAPTIONED_TYPES = {"image", "video", "document"}


def apply_side_effects(
    channel: Channel, contact: Contact, message: InboundMessage
) -> None:
    """A contact's reaction, revoke, edit or number change, applied where it belongs."""
    if message.type == "reaction" and message.reaction_to_wamid:
        apply_reaction(channel, contact, message)
    elif message.type in ("revoke", "edit") and message.target_wamid:
        apply_change(channel, message)
    elif message.type == "system" and message.details.get("new_wa_id"):
        apply_number_change(contact, message.details["new_wa_id"])


def apply_reaction(channel: Channel, contact: Contact, message: InboundMessage) -> None:
    """Keep the contact's latest reaction per message; an empty emoji removes it.

    Meta's timestamps are whole seconds, so a reaction taken back within the
    same second carries the same time as the reaction itself: equal times are
    ordered by arrival (the drain applies events in the order they came in), so
    the later of the two wins. An older one arriving late still loses.
    """
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
            Reaction.reacted_at <= message.timestamp,
        )
        .values(emoji=message.reaction_emoji, reacted_at=message.timestamp)
    )


def apply_change(channel: Channel, message: InboundMessage) -> None:
    """A revoke or edit changes the original message; what it said stays in history."""
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
    edited = edited_part(target, message)
    if edited is None:
        return  # nothing we can apply: the edit row keeps what Meta sent
    part, new_value = edited
    old_preview = preview_text(target.text, target.caption)
    history = list((target.details or {}).get("edit_history", []))
    history.append(
        {part: getattr(target, part), "replaced_at": message.timestamp.isoformat()}
    )
    target.details = {**(target.details or {}), "edit_history": history}
    setattr(target, part, new_value)
    target.edited_at = message.timestamp
    conversation = target.conversation
    if (  # the list shows the edited message: show what it says now
        conversation.last_message_type == target.type
        and conversation.last_message_preview == old_preview
    ):
        conversation.last_message_preview = preview_text(target.text, target.caption)


def edited_part(target: Message, edit: InboundMessage) -> tuple[str, str | None] | None:
    """Which part of the target an edit replaces, and with what; None if neither.

    WhatsApp lets people edit a text or the caption of a photo, video or
    document. The edit carries the whole new message: for media that is the
    media object with its caption (none: the caption was removed) and no text,
    so copying `text` kept the old caption and blanked the target's text.
    A malformed or mismatched edit changes nothing.
    """
    edited_type = edit.details.get("edited_type")
    new_message = edit.details.get("message") or {}
    if not isinstance(new_message.get(edited_type), dict):
        return None
    if target.type in CAPTIONED_TYPES and edited_type in MEDIA_TYPES:
        return "caption", edit.caption
    if target.type == "text" and edited_type == "text" and edit.text is not None:
        return "text", edit.text
    return None


def apply_number_change(contact: Contact, new_wa_id: str) -> None:
    """The contact's new number (user_changed_number): wa_id and phone_e164 follow.

    As in ContactResolver, a number another contact already holds stays with
    that contact (wa_id is unique); both then share the phone_e164 and the team
    merges them (contacts/merge.py).
    """
    contact.take_wa_id(new_wa_id)
    contact.phone_e164 = e164_of_wa_id(new_wa_id)


def show_if_newest(conversation: Conversation, message: InboundMessage) -> None:
    """Make the message the conversation's latest, unless a newer one is known."""
    last = (
        as_utc(conversation.last_activity_at) if conversation.last_activity_at else None
    )
    if (
        last is None
        or message.timestamp >= last
        or conversation.last_message_type is None  # just opened: its default is now
    ):
        conversation.last_activity_at = message.timestamp
        conversation.last_message_preview = preview_text(message.text, message.caption)
        conversation.last_message_type = message.type


def touch_conversation(
    conversation: Conversation, contact: Contact, message: InboundMessage
) -> None:
    """The contact wrote (or called): unread, reopened, newest, window renewed."""
    if message.type in MODIFIER_TYPES:
        return
    show_if_newest(conversation, message)
    conversation.unread_count = (conversation.unread_count or 0) + 1
    conversation.inbound_count = (conversation.inbound_count or 0) + 1
    if conversation.state in ("resolved", "snoozed"):
        conversation.state = "open"  # the contact wrote again
        conversation.first_answered_at = None  # a first answer is due again (sla/)
    # Now, not Meta's timestamp: the team can answer from when it arrives
    # (the rules' "no agent answer after N minutes" counts from here).
    conversation.contact_wrote(utcnow())
    note_inbound(contact, message)


def touch_outbound(conversation: Conversation, message: InboundMessage) -> None:
    """The business wrote from the app: the newest message, nothing unread."""
    if message.type not in MODIFIER_TYPES:
        show_if_newest(conversation, message)
        answered = conversation.first_answered_at is not None
        conversation.team_wrote(utcnow(), agent=True)  # a person, on the phone
        if not answered:  # for the reports
            report_facts.first_answer(conversation, utcnow(), None)


def note_inbound(contact: Contact, message: InboundMessage) -> None:
    inbound = as_utc(contact.last_inbound_at) if contact.last_inbound_at else None
    if inbound is None or message.timestamp > inbound:
        contact.last_inbound_at = message.timestamp
