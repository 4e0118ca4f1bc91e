"""Messages of the WhatsApp Business app on the same number (coexistence).

Echoes are what the team typed in the app just now: outbound messages of the
thread, marked as sent from the phone, deduplicated by wamid like everything
else, so the status webhooks that follow attach to them. History is the past:
it is stored where it belongs (by wamid, in the contact's conversation) but must
not look like news — no unread count, no live event per message, no reopened or
bumped conversation, no keyword opt-out, auto-reply or first-contact consent.
A conversation that only history opened is filed as done, out of the inbox.
"""

from sqlalchemy import select

from ..dbutil import one_of
from ..extensions import db
from ..files import clean_filename
from ..models import Conversation, Message
from ..outbound.progress import apply_recorded_statuses
from ..whatsapp.payloads.messages import MEDIA_TYPES
from .effects import (
    MODIFIER_TYPES,
    apply_change,
    apply_reaction,
    note_inbound,
    show_if_newest,
    touch_outbound,
)

ECHO = "echo"
HISTORY = "history"
# What the app reports of its own past messages, as our delivery states.
HISTORY_STATUSES = {"sent", "delivered", "read", "played"}


def placement(origin: str, outbound: bool, status: str | None) -> dict:
    """Direction and delivery state of an app message's row."""
    if not outbound:
        return {"direction": "in", "status": "received"}
    if origin == HISTORY and status in HISTORY_STATUSES:
        return {"direction": "out", "status": status}
    return {"direction": "out", "status": "sent"}  # an echo: it has left the phone


def no_media_state(item) -> str | None:
    """A past media message synced without its file: shown as not loadable.

    Meta sends files only for the last 14 days, in a later history webhook
    (attach_late_media); for older ones there is nothing to wait for.
    """
    if item.origin == HISTORY and item.message.type in MEDIA_TYPES:
        return "failed"
    return None


def apply_app_message(item, conversation: Conversation) -> None:
    """What a new echo or history message does besides being stored."""
    message = item.message
    if message.type in ("revoke", "edit") and message.target_wamid:
        apply_change(item.channel, message)  # e.g. the team edited it in the app
    elif (
        message.type == "reaction"
        and message.reaction_to_wamid
        # The team's own reactions are read from their outbound rows; a
        # customer's past one goes where the contact's reactions are kept.
        and item.direction == "in"
    ):
        apply_reaction(item.channel, item.contact, message)
    if item.origin == ECHO:
        touch_outbound(conversation, message)
    elif message.type not in MODIFIER_TYPES:
        show_if_newest(conversation, message)  # never later than what is known
        if item.direction == "in":
            note_inbound(item.contact, message)


def file_history_only(opened: list[Conversation], live_ids: set[int]) -> None:
    """Conversations opened by history alone are done: out of the open inbox."""
    for conversation in opened:
        if conversation.id not in live_ids:
            conversation.state = "resolved"


def replay_statuses(new_outbound: dict[int, list[str]]) -> None:
    """Statuses that came before their echo now apply to it (per channel)."""
    for channel_id, wamids in new_outbound.items():
        apply_recorded_statuses(channel_id, wamids)


def attach_late_media(items: list) -> list[int]:
    """History sends media ids later, for a message it already described.

    Meta first syncs media messages without their asset ids and sends the ids
    for the last 14 days in further history webhooks about the same wamids:
    those fill in the stored row, which is then downloaded like any other.
    """
    wanted: dict[int, dict[str, object]] = {}  # channel → wamid → item
    for item in items:
        if item.message.media is not None:
            wanted.setdefault(item.channel.id, {})[item.message.wamid] = item
    ids = []
    for channel_id, by_wamid in wanted.items():
        for row in db.session.scalars(
            select(Message).where(
                Message.channel_id == channel_id,
                one_of(Message.wamid, list(by_wamid)),
                Message.media_id.is_(None),
            )
        ):
            fill_in_media(row, by_wamid[row.wamid])
            ids.append(row.id)
    return ids


def fill_in_media(row: Message, item) -> None:
    """The stored message gets its file (downloaded after the commit)."""
    media = item.message.media
    row.type = item.message.type
    row.media_id = media.media_id
    row.media_mime_type = media.mime_type
    row.media_state = "pending"
    row.media_filename = clean_filename(media.filename) or None
    if item.message.caption and not row.caption:
        row.caption = item.message.caption
