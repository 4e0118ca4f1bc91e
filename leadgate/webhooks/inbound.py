"""Inbound messages of a whole drain batch, stored with a handful of statements.

A drain applies up to a few hundred webhooks at once. Storing their messages one
by one costs several database round trips each; here the batch finds or opens all
its conversations with two statements and inserts all messages with one
(ON CONFLICT DO NOTHING: the unique (channel, wamid) keeps duplicates out, also
when two drains race). Side effects then run in arrival order.

Besides what contacts write (origin "live") the buffer stores calls (calls.py)
and messages of the WhatsApp Business app on the same number (coexistence.py):
each origin has its own effects on the conversation, all share the one insert.
"""

from dataclasses import dataclass

from sqlalchemy import select

from ..campaigns.replies import CampaignReplies
from ..consent.first_contact import FirstContacts
from ..consent.keywords import apply_keyword, opt_out_reply
from ..dbutil import bulk_insert_ignoring_conflicts, one_of
from ..extensions import db
from ..files import clean_filename
from ..models import Channel, Contact, Conversation, Message
from ..models.messages import STATUS_RANK
from ..outbound.service import stage
from ..reports.counts import count
from ..searchdoc import add_words_to_many
from ..whatsapp.payloads.messages import InboundMessage
from . import calls, coexistence
from .effects import (
    MODIFIER_TYPES,
    apply_side_effects,
    touch_conversation,
    touch_outbound,
)

__all__ = ["MODIFIER_TYPES", "InboundBuffer"]

LIVE = "live"  # the contact wrote, now (the `messages` field)

messages = Message.__table__
conversations_table = Conversation.__table__


@dataclass
class Pending:
    channel: Channel
    contact: Contact
    message: InboundMessage
    result: object  # the ApplyResult of the webhook the message came in
    origin: str = LIVE  # live | call | echo | history
    direction: str = "in"  # "out": the business called or wrote from the app
    status: str = "received"


class InboundBuffer:
    """Inbound messages of one drain batch, written together by flush()."""

    def __init__(self) -> None:
        self.pending: list[Pending] = []
        self.touched: set[tuple[int, int]] = set()  # (workspace, conversation)
        self.replies: set[int] = set()  # channels with queued confirmations
        self.first_contacts = FirstContacts()
        self.campaign_replies = CampaignReplies()
        # Conversations a contact wrote to, for automation after the commit:
        # conversation id → [its newest new message id, opened, reopened,
        # its oldest new message id] (the rules read the messages between).
        self.arrivals: dict[int, list[int]] = {}

    def add(self, channel, contact, message, result, **placement) -> None:
        """Buffer a message; placement: origin, direction and status (Pending)."""
        self.pending.append(Pending(channel, contact, message, result, **placement))

    def apply_keyword(self, item: Pending, conversation: Conversation) -> None:
        """STOP/START: record it; confirm an opt-out if the workspace says so."""
        action = apply_keyword(
            item.channel, item.contact, item.message.text, item.message.wamid
        )
        reply = (
            opt_out_reply(item.channel, item.contact) if action == "opt_out" else None
        )
        if reply:  # delivered once the drain has committed
            stage(
                conversation,
                None,
                type="text",
                text=reply,
                details={"kind": "opt_out_confirmation"},
            )
            self.replies.add(item.channel.id)

    def flush(self) -> list[int]:
        """Store the buffered messages; return ids of new messages with media."""
        if not self.pending:
            return []
        pending, self.pending = self.pending, []
        conversations, opened = conversations_for(
            {(p.channel, p.contact.id): p.contact for p in pending}
        )
        stored = insert_new(pending, conversations)
        media_ids: list[int] = []
        words: dict[int, list[str | None]] = {}  # conversation id → new texts
        again: list[Pending] = []  # stored before: later call events, late media
        live: set[int] = set()  # conversations something other than history moved
        new_outbound: dict[int, list[str]] = {}  # channel → wamids of app messages
        for item in pending:
            message_id = stored.pop((item.channel.id, item.message.wamid), None)
            if message_id is None:  # stored before, or twice in this batch
                item.result.duplicates += 1
                again.append(item)
                continue
            item.result.messages += 1
            if item.message.media is not None:
                media_ids.append(message_id)
            conversation = conversations[(item.channel.id, item.contact.id)]
            closed_before = conversation.state in ("resolved", "snoozed")
            wrote_before = bool(conversation.inbound_count)
            self.apply_new(item, conversation)
            if item.origin == LIVE:
                self.note_arrival(
                    conversation, message_id, opened, closed_before, wrote_before
                )
            if item.origin != coexistence.HISTORY:
                live.add(conversation.id)
            if item.direction == "out" and item.origin != calls.CALL:
                new_outbound.setdefault(item.channel.id, []).append(item.message.wamid)
            count_for_reports(item, conversation)
            words.setdefault(conversation.id, []).extend(
                (item.message.text, item.message.caption)
            )
        add_words_to_many(
            words
        )  # one statement for the batch, not one per conversation
        coexistence.file_history_only(opened, live)
        coexistence.replay_statuses(new_outbound)
        media_ids += self.apply_again(again)
        self.first_contacts.record()
        self.campaign_replies.record()
        return media_ids

    def note_arrival(
        self,
        conversation: Conversation,
        message_id: int,
        opened: list,
        closed: bool,
        wrote_before: bool,
    ) -> None:
        """A contact's message: the conversation may need an agent or a reply.

        [newest message, opened, reopened, first message, first contact]: the
        batch's first message of the conversation tells whether the contact had
        written there before (the rules' "first contact", decided now: by the
        time the rules run, more may have come).
        """
        arrival = self.arrivals.setdefault(
            conversation.id, [0, 0, 0, message_id, int(not wrote_before)]
        )
        arrival[0] = max(arrival[0], message_id)
        arrival[3] = min(arrival[3], message_id)
        arrival[1] |= int(conversation in opened)
        arrival[2] |= int(closed and conversation.state == "open")

    def apply_new(self, item: Pending, conversation: Conversation) -> None:
        """What a newly stored message does, by where it came from."""
        channel, contact, message = item.channel, item.contact, item.message
        if item.origin == LIVE:
            apply_side_effects(channel, contact, message)
            self.first_contacts.add(contact, message.type, message.wamid, channel.id)
            self.campaign_replies.add(channel.id, contact.id, conversation)
            touch_conversation(conversation, contact, message)
            if message.type == "text":
                self.apply_keyword(item, conversation)
        elif item.origin == calls.CALL:
            # The contact calling is the contact writing; our own call is not.
            if item.direction == "in":
                touch_conversation(conversation, contact, message)
            else:
                touch_outbound(conversation, message)
        else:
            coexistence.apply_app_message(item, conversation)
        if item.origin != coexistence.HISTORY:  # history is no news: no live event
            self.touched.add((channel.workspace_id, conversation.id))

    def apply_again(self, items: list[Pending]) -> list[int]:
        """Items about rows stored before: later call events, late history media."""
        self.touched |= calls.merge_calls([i for i in items if i.origin == calls.CALL])
        history = [i for i in items if i.origin == coexistence.HISTORY]
        return coexistence.attach_late_media(history)


def conversations_for(pairs: dict[tuple[Channel, int], Contact]) -> tuple[dict, list]:
    """The latest conversation per (channel id, contact id), and those just opened."""
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
    new = [
        {
            "workspace_id": channel.workspace_id,
            "channel_id": channel.id,
            "contact_id": contact_id,
            "team_id": channel.team_id,  # the number's team works it
        }
        for channel, contact_id in pairs
        if (channel.id, contact_id) not in found
    ]
    opened = []
    if new:
        # One INSERT whose text does not change with the number of rows (the
        # ORM's multi-row VALUES is parsed anew for every count), then loaded.
        ids = [
            row.id
            for row in bulk_insert_ignoring_conflicts(
                conversations_table, new, returning=("id",)
            )
        ]
        opened = list(
            db.session.scalars(
                select(Conversation)
                .where(one_of(Conversation.id, ids))
                .order_by(Conversation.id)
            )
        )
        found.update({(c.channel_id, c.contact_id): c for c in opened})
    return found, opened


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
        "direction": item.direction,
        "wamid": message.wamid,
        "type": message.type,
        "text": message.text,
        "caption": message.caption,
        "reply_to_wamid": message.reply_to_wamid,
        "forwarded": message.forwarded or message.frequently_forwarded,
        "details": details_of(item),
        "raw": message.raw,
        "media_id": media.media_id if media else None,
        "media_mime_type": media.mime_type if media else None,
        "media_filename": clean_filename(media.filename) or None if media else None,
        "media_state": "pending" if media else coexistence.no_media_state(item),
        "status": item.status,
        "status_rank": STATUS_RANK.get(item.status, 0),
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


def details_of(item: Pending) -> dict:
    details = message_details(item.message)
    if item.origin in (coexistence.ECHO, coexistence.HISTORY):
        details["origin"] = item.origin  # shown as sent from the phone, or synced
    return details


def count_for_reports(item: Pending, conversation: Conversation) -> None:
    """What the contact wrote, and what the team wrote from the WhatsApp Business
    app, counts in the reports' messages per hour; history, calls, reactions and
    edits do not, nor anything of a restricted contact (Art. 18)."""
    if item.origin not in (LIVE, coexistence.ECHO) or item.contact.restricted_at:
        return
    if item.message.type in MODIFIER_TYPES:
        return
    count(
        conversation.workspace_id,
        item.channel.id,
        conversation.team_id,
        item.message.timestamp,
        item.direction,
    )
