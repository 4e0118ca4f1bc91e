"""Queue outbound messages: stored as `queued` with the conversation update, then a job.

The job is enqueued only after the commit, so it always finds its message; if the
job is lost anyway (Redis restart, dead worker), the sweeper enqueues it again.
"""

from flask_babel import gettext as _

from ..extensions import db
from ..models import Conversation, Message, User, utcnow
from ..webhooks.previews import preview_text
from .delivery import enqueue_delivery
from .rules import SendRefused, refusal

MAX_TEXT_LENGTH = 4096  # Meta's limit for a text body


def queue_text(
    conversation: Conversation,
    author: User,
    text: str,
    reply_to: Message | None = None,
) -> Message:
    """Store a free-form text for sending; raise SendRefused with the reason if not allowed."""
    text = text.strip()
    if not text:
        raise SendRefused(_("Bitte einen Text eingeben."))
    if len(text) > MAX_TEXT_LENGTH:
        raise SendRefused(
            _("Der Text ist zu lang (höchstens %(max)s Zeichen).", max=MAX_TEXT_LENGTH)
        )
    reason = refusal(conversation.channel, conversation.contact, free_form=True)
    if reason:
        raise SendRefused(reason)
    now = utcnow()
    message = Message(
        workspace_id=conversation.workspace_id,
        channel_id=conversation.channel_id,
        conversation_id=conversation.id,
        contact_id=conversation.contact_id,
        direction="out",
        type="text",
        text=text,
        reply_to_wamid=reply_to.wamid if reply_to is not None else None,
        details={},
        status="queued",
        status_rank=0,
        sent_at=now,
        author_id=author.id,
    )
    db.session.add(message)
    conversation.last_activity_at = now
    conversation.last_message_preview = preview_text(text, None)
    conversation.last_message_type = "text"
    db.session.commit()
    enqueue_delivery(message.id)
    return message


def resend(message: Message) -> None:
    """ "Erneut senden" on a failed message: a new attempt, under today's rules."""
    if message.direction != "out" or message.status != "failed":
        raise SendRefused(
            _("Nur fehlgeschlagene Nachrichten können erneut gesendet werden.")
        )
    conversation = message.conversation
    reason = refusal(
        conversation.channel, conversation.contact, free_form=message.type != "template"
    )
    if reason:
        raise SendRefused(reason)
    message.status, message.status_rank = "queued", 0
    message.wamid = None  # the failed attempt keeps its wamid in its SendAttempt row
    message.error_code = message.error_title = None
    message.next_attempt_at = message.sending_since = None
    message.details = {**(message.details or {}), "manual_resend": True}
    db.session.commit()
    enqueue_delivery(message.id)
