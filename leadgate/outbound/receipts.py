"""Read receipts: when an agent opens a conversation, the contact sees blue ticks."""

import logging

from sqlalchemy import select

from ..extensions import db
from ..models import Channel, Conversation, Message
from ..queue import enqueue
from ..whatsapp.channels import client_for

log = logging.getLogger(__name__)


def receipt_due(conversation: Conversation) -> int | None:
    """The message to mark as read (Meta marks the earlier ones too), or None."""
    workspace = conversation.channel.workspace
    if not conversation.unread_count or not workspace.send_read_receipts:
        return None
    return db.session.scalar(
        select(Message.id)
        .where(
            Message.conversation_id == conversation.id,
            Message.direction == "in",
            Message.wamid.is_not(None),
        )
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(1)
    )


def enqueue_receipt(channel_id: int, message_id: int) -> None:
    # The message's id, not its wamid: a wamid carries the phone number (base64)
    # and RQ logs job arguments.
    enqueue(send_read_receipt, channel_id, message_id)


def send_read_receipt(channel_id: int, message_id: int) -> None:
    channel = db.session.get(Channel, channel_id)
    message = db.session.get(Message, message_id)
    if channel is None or channel.needs_new_token or message is None:
        return
    with client_for(channel) as client:
        client.mark_read(channel.phone_number_id, message.wamid)  # errors: RQ retries
    log.info("Read receipt sent on channel %s", channel_id)
