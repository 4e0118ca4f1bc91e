"""The thread's messages: pages by (sent_at, id), what each needs, grouped by day.

A thread opens at its newest PAGE_SIZE messages; older pages come by keyset as
the agent scrolls up (`older`). Live events append what was stored after the
newest message shown (`newer`, by id: a late webhook may carry an earlier time)
and re-render the newest TAIL messages, whose ticks, reactions and media change.
Each batch costs a constant number of queries: the messages with their authors,
the reactions to them, the team's own reactions, and the messages replies quote.
"""

import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import format_date, get_timezone
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Conversation, ConversationRead, Message, Reaction, as_utc
from ..webhooks.inbound import MODIFIER_TYPES
from .listing import Cursor, newest_first

PAGE_SIZE = 50
TAIL = 30  # the newest messages a live update renders again
MAX_NEWER = 200  # more new messages than this: the page reloads instead


@dataclass
class Day:
    key: str  # ISO date in the reader's time zone, the group's stable id
    label: str  # "Heute", "Gestern", "Montag", "3. Dezember"
    messages: list[Message]


def visible(conversation: Conversation):
    """The thread's rows: messages, notes and events, not edits or reactions."""
    return (
        select(Message)
        .options(joinedload(Message.author))
        .where(
            Message.conversation_id == conversation.id,
            Message.type.not_in(MODIFIER_TYPES),
        )
    )


def older(
    conversation: Conversation, before: Cursor | None = None
) -> tuple[list[Message], Cursor | None]:
    """A page of messages before the cursor (the newest without one), oldest first."""
    rows, cursor = newest_first(
        visible(conversation), Message.sent_at, Message.id, before, PAGE_SIZE
    )
    return list(reversed(rows)), cursor


def newer(
    conversation: Conversation, after_id: int
) -> tuple[list[Message], list[Message]] | None:
    """Messages stored after `after_id` (to append) and the tail before (to refresh).

    None when more arrived than one update should carry.
    """
    new = db.session.scalars(
        visible(conversation)
        .where(Message.id > after_id)
        .order_by(Message.sent_at, Message.id)
        .limit(MAX_NEWER + 1)
    ).all()
    if len(new) > MAX_NEWER:
        return None
    tail = db.session.scalars(
        visible(conversation)
        .where(Message.id <= after_id)
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(TAIL + 1)  # one more: whether the first repeats its author
    ).all()
    return list(new), list(reversed(tail))


def unread_for(conversation: Conversation, user_id: int) -> int:
    """How many of the contact's messages this agent has not seen yet."""
    seen = db.session.scalar(
        select(ConversationRead.inbound_seen).where(
            ConversationRead.conversation_id == conversation.id,
            ConversationRead.user_id == user_id,
        )
    )
    return max(0, conversation.inbound_count - (seen or 0))


def first_unread(messages: list[Message], unread: int) -> int | None:
    """The id of the first unseen message on the page ("Neue Nachrichten" above it)."""
    inbound = [m for m in messages if m.direction == "in"]
    if unread <= 0 or not inbound:
        return None
    return inbound[max(0, len(inbound) - unread)].id


def days(messages: list[Message], now: datetime | None = None) -> list[Day]:
    """The messages grouped by their day in the reader's time zone."""
    zone = get_timezone()
    today = (now or datetime.now(zone)).astimezone(zone).date()
    found: list[Day] = []
    for message in messages:
        day = as_utc(message.sent_at).astimezone(zone).date()
        if not found or found[-1].key != day.isoformat():
            found.append(Day(day.isoformat(), day_label(day, today), []))
        found[-1].messages.append(message)
    return found


def day_label(day: date, today: date) -> str:
    """How WhatsApp names a day: Heute, Gestern, the weekday, then the date."""
    if day == today:
        return _("Heute")
    if day == today - timedelta(days=1):
        return _("Gestern")
    if today - timedelta(days=6) <= day < today:
        return format_date(day, "EEEE")
    return format_date(day, "long")


def reactions_for(channel_id: int, wamids: list[str]) -> dict[str, list[str]]:
    """The contact's reactions, by the wamid they react to."""
    if not wamids:
        return {}
    rows = db.session.scalars(
        select(Reaction).where(
            Reaction.channel_id == channel_id,
            Reaction.target_wamid.in_(wamids),
            Reaction.emoji.is_not(None),
        )
    )
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row.target_wamid, []).append(row.emoji)
    return found


def team_reactions(conversation: Conversation) -> dict[str, str]:
    """The team's own reactions (sent as messages): the latest per target wamid."""
    latest: dict[str, str] = {}
    for details in db.session.scalars(
        select(Message.details)
        .where(
            Message.conversation_id == conversation.id,
            Message.direction == "out",
            Message.type == "reaction",
            Message.status != "failed",
        )
        .order_by(Message.id)
    ):
        reaction = (details or {}).get("reaction") or {}
        if reaction.get("to"):
            latest[reaction["to"]] = reaction.get("emoji") or ""
    return {wamid: emoji for wamid, emoji in latest.items() if emoji}


def quoted_messages(conversation: Conversation, messages: list[Message]) -> dict:
    """The messages replies refer to, by wamid (for the quote above a reply)."""
    shown = {m.wamid: m for m in messages if m.wamid}
    wanted = {m.reply_to_wamid for m in messages if m.reply_to_wamid} - set(shown)
    if wanted:
        shown.update(
            {
                m.wamid: m
                for m in db.session.scalars(
                    select(Message).where(
                        Message.channel_id == conversation.channel_id,
                        Message.wamid.in_(wanted),
                    )
                )
            }
        )
    return shown


def decorate(conversation: Conversation, messages: list[Message]) -> dict:
    """What rendering these messages needs besides themselves (a fixed query count)."""
    reactions = reactions_for(
        conversation.channel_id, [m.wamid for m in messages if m.wamid]
    )
    mine = team_reactions(conversation)
    for wamid, emoji in mine.items():
        reactions.setdefault(wamid, []).append(emoji)
    return {
        "reactions": reactions,
        "my_reactions": mine,
        "quoted": quoted_messages(conversation, messages),
    }


def version(message: Message, reactions: dict, mine: dict, refused: bool) -> str:
    """A short fingerprint of what a message shows, so a live update swaps only changes."""
    state = (
        message.status,
        message.media_state,
        message.text,
        message.caption,
        message.edited_at,
        message.revoked_at,
        message.error_code,
        message.next_attempt_at,
        tuple(reactions.get(message.wamid, ())),
        mine.get(message.wamid),
        refused,
    )
    return format(zlib.crc32(repr(state).encode()), "08x")
