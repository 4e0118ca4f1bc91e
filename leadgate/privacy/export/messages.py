"""The contact's conversations for the export: messages, reactions, statuses, notes.

Messages are read as plain column rows in one query (no ORM object per
message), reactions in one more and delivery statuses in one per thousand
outbound messages: the count of queries does not grow with the thread.
"""

import mimetypes
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import JSON, Select, select
from werkzeug.utils import secure_filename

from ...dbutil import one_of
from ...extensions import db
from ...media import media_path
from ...models import (
    Channel,
    Contact,
    Conversation,
    ConversationLabel,
    Label,
    Message,
    MessageStatus,
    Reaction,
    User,
    as_utc,
)

CHUNK = 1000  # wamids per reaction or status query: bounded statement size
MESSAGE_COLUMNS = (
    Message.conversation_id,
    Message.channel_id,
    Message.direction,
    Message.wamid,
    Message.type,
    Message.text,
    Message.caption,
    Message.reply_to_wamid,
    Message.forwarded,
    Message.details,
    Message.media_filename,
    Message.media_mime_type,
    Message.media_sha256,
    Message.media_size,
    Message.media_state,
    Message.status,
    Message.error_code,
    Message.error_title,
    Message.edited_at,
    Message.revoked_at,
    Message.sent_at,
)


def iso(value: datetime | None) -> str | None:
    """ISO-8601 in UTC with a "Z", whatever timezone the database handed back."""
    if value is None:
        return None
    text = as_utc(value).astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def records(query: Select) -> list[dict]:
    """Run a column query: one dict per row by column name, times as ISO strings.

    A JSON column that holds null reads as {}, as the export format documents.
    """
    json = {c.key for c in query.selected_columns if isinstance(c.type, JSON)}

    def plain(key: str, value):
        if isinstance(value, datetime):
            return iso(value)
        return {} if value is None and key in json else value

    return [
        {key: plain(key, value) for key, value in row._mapping.items()}
        for row in db.session.execute(query)
    ]


def conversations_of(contact: Contact) -> tuple[list[dict], list[dict], list[dict]]:
    """The conversations with their messages, and the notes and events apart."""
    conversations = conversation_parts(contact)
    notes, events, by_wamid, ours = [], [], {}, {}
    for row in message_rows(contact):
        if row.conversation_id not in conversations:
            continue
        if row.direction == "note":
            notes.append(timeline_part(row, author=row.author, text=row.text))
        elif row.direction == "event":
            events.append(timeline_part(row, kind=(row.details or {}).get("kind")))
        else:
            message = message_part(row)
            conversations[row.conversation_id]["messages"].append(message)
            if row.wamid:
                by_wamid[(row.channel_id, row.wamid)] = message
            if row.direction == "out" and row.type == "reaction":
                ours[(row.channel_id, reaction_target(row))] = row
    add_contact_reactions(contact, by_wamid)
    add_team_reactions(ours, by_wamid)
    add_statuses(by_wamid)
    return list(conversations.values()), notes, events


def conversation_parts(contact: Contact) -> dict[int, dict]:
    rows = db.session.execute(
        select(Conversation, Channel)
        .join(Channel, Channel.id == Conversation.channel_id)
        .where(Conversation.contact_id == contact.id)
        .order_by(Conversation.created_at, Conversation.id)
    ).all()
    labels = conversation_labels([conversation.id for conversation, _ in rows])
    return {
        conversation.id: conversation_part(conversation, channel, labels)
        for conversation, channel in rows
    }


def conversation_part(conversation: Conversation, channel: Channel, labels) -> dict:
    return {
        "id": conversation.id,
        "channel": {
            "id": channel.id,
            "name": channel.name,
            "phone_number": channel.display_phone,
        },
        "state": conversation.state,
        "labels": labels.get(conversation.id, []),
        "created_at": iso(conversation.created_at),
        "last_activity_at": iso(conversation.last_activity_at),
        "messages": [],
    }


def conversation_labels(conversation_ids: list[int]) -> dict[int, list[str]]:
    labels: dict[int, list[str]] = {}
    if not conversation_ids:
        return labels
    rows = db.session.execute(
        select(ConversationLabel.conversation_id, Label.name)
        .join(Label, Label.id == ConversationLabel.label_id)
        .where(one_of(ConversationLabel.conversation_id, conversation_ids))
        .order_by(Label.name)
    )
    for conversation_id, name in rows:
        labels.setdefault(conversation_id, []).append(name)
    return labels


def message_rows(contact: Contact):
    """Every row of the contact's threads in time order, as plain column tuples."""
    return db.session.execute(
        select(*MESSAGE_COLUMNS, User.name.label("author"))
        .outerjoin(User, User.id == Message.author_id)
        .where(Message.contact_id == contact.id)
        .order_by(Message.sent_at, Message.id)
    )


def timeline_part(row, **fields) -> dict:
    return {
        "conversation_id": row.conversation_id,
        **fields,
        "timestamp": iso(row.sent_at),
    }


def message_part(row) -> dict:
    error = None
    if row.error_code is not None or row.error_title:
        error = {"code": row.error_code, "title": row.error_title}
    return {
        "wamid": row.wamid,
        "direction": row.direction,
        "type": row.type,
        "text": row.text,
        "caption": row.caption,
        "status": row.status,
        "error": error,
        "timestamp": iso(row.sent_at),
        "reply_to": row.reply_to_wamid,
        "forwarded": bool(row.forwarded),
        "edited_at": iso(row.edited_at),
        "revoked_at": iso(row.revoked_at),
        "details": row.details or {},
        "reactions": [],
        "statuses": [],
        "media": media_part(row),
    }


def media_part(row) -> dict | None:
    if not (row.media_sha256 or row.media_mime_type or row.media_filename):
        return None
    media = {
        "file_name": row.media_filename,
        "mime_type": row.media_mime_type,
        "sha256": row.media_sha256,
        "size": row.media_size,
        "file": None,
    }
    # A message whose media was never stored (pending, rejected, purged) has no file.
    if row.media_state != "stored" or not row.media_sha256:
        media["file_note"] = "not stored"
    elif not media_path(row.media_sha256).is_file():
        media["file_note"] = "missing on disk"
    else:
        media["file"] = archive_name(row.media_sha256, row.media_filename, media)
    return media


def archive_name(sha256: str, filename: str | None, media: dict) -> str:
    """media/<sha256>-<name>: unique per content, readable, safe in any unzip tool."""
    name = secure_filename(filename or "")
    if not name:
        extension = mimetypes.guess_extension(media.get("mime_type") or "") or ""
        name = f"file{extension}"
    return f"media/{sha256}-{name}"


def add_contact_reactions(contact: Contact, by_wamid: dict) -> None:
    """The contact's current reaction on each message (one per message and person)."""
    for channels, wamids in chunks(list(by_wamid)):
        rows = db.session.execute(
            select(
                Reaction.channel_id,
                Reaction.target_wamid,
                Reaction.emoji,
                Reaction.reacted_at,
            ).where(
                one_of(Reaction.channel_id, channels),
                one_of(Reaction.target_wamid, wamids),
                Reaction.contact_id == contact.id,
            )
        )
        for channel_id, target, emoji, reacted_at in rows:
            if emoji:  # no emoji: the reaction was removed
                reaction = {
                    "by": "contact",
                    "emoji": emoji,
                    "timestamp": iso(reacted_at),
                }
                attach(by_wamid, (channel_id, target), "reactions", reaction)


def add_team_reactions(ours: dict, by_wamid: dict) -> None:
    """Our latest reaction per message (sent as messages of type reaction)."""
    for key, row in ours.items():
        emoji = (row.details or {}).get("reaction", {}).get("emoji")
        message = by_wamid.get(key)
        # An empty emoji took the reaction back; a failed one never arrived.
        if message is not None and emoji and row.status != "failed":
            message["reactions"].append(
                {"by": "team", "emoji": emoji, "timestamp": iso(row.sent_at)}
            )


def add_statuses(by_wamid: dict) -> None:
    """Every delivery status Meta reported for our messages (sent, delivered, read)."""
    outbound = [key for key, item in by_wamid.items() if item["direction"] == "out"]
    for channels, wamids in chunks(outbound):
        rows = db.session.execute(
            select(
                MessageStatus.channel_id,
                MessageStatus.wamid,
                MessageStatus.status,
                MessageStatus.timestamp,
            )
            .where(
                one_of(MessageStatus.channel_id, channels),
                one_of(MessageStatus.wamid, wamids),
            )
            .order_by(MessageStatus.timestamp, MessageStatus.id)
        )
        for channel_id, wamid, status, timestamp in rows:
            status = {"status": status, "timestamp": iso(timestamp)}
            attach(by_wamid, (channel_id, wamid), "statuses", status)


def chunks(keys: list[tuple[int, str]]) -> Iterator[tuple[set[int], list[str]]]:
    """(channel, wamid) keys CHUNK at a time, as the unique indexes look them up."""
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        yield {channel for channel, _ in chunk}, [wamid for _, wamid in chunk]


def attach(by_wamid: dict, key: tuple[int, str], field: str, item: dict) -> None:
    message = by_wamid.get(key)
    if message is not None:  # another contact's message on the same number
        message[field].append(item)


def reaction_target(row) -> str | None:
    return (row.details or {}).get("reaction", {}).get("to")
