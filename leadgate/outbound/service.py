"""Queue outbound messages: stored as `queued` with the conversation update, then a job.

The job is enqueued only after the commit, so it always finds its message; if the
job is lost anyway (Redis restart, dead worker), the sweeper enqueues it again.
"""

from flask_babel import gettext as _

from .. import live
from ..extensions import db
from ..files import clean_filename
from ..media import store_bytes
from ..models import Conversation, Message, MessageTemplate, User, utcnow
from ..models.message_state import MessageState, initial
from ..models.previews import preview_text
from ..reports import facts as report_facts
from ..reports.counts import count
from ..searchdoc import add_words
from . import attachments
from .delivery import enqueue_delivery
from .rules import SendRefused, refusal, template_refusal
from .settle import template_of
from .templates import header_format, header_media, preview, send_object, variables

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
    ensure_allowed(conversation, free_form=True)
    return store_and_enqueue(
        conversation,
        author,
        type="text",
        text=text,
        reply_to_wamid=reply_to.wamid if reply_to is not None else None,
        details={},
    )


def queue_media(
    conversation: Conversation,
    author: User,
    data: bytes,
    filename: str,
    declared_type: str | None,
    caption: str = "",
) -> Message:
    """Store an attachment (our copy for the thread) and queue it for sending."""
    mime_type = attachments.mime_type_of(filename, declared_type)
    kind = attachments.check(data, mime_type)
    caption = (
        caption.strip()[:1024] if kind != "audio" else ""
    )  # Meta: no audio captions
    ensure_allowed(conversation, free_form=True)
    return store_and_enqueue(
        conversation,
        author,
        type=kind,
        text=None,
        caption=caption or None,
        details={},
        **stored_media(data, filename, mime_type),
    )


def stored_media(data: bytes, filename: str, mime_type: str) -> dict:
    """Our copy for the thread (and for the upload at send time), as message fields."""
    return {
        "media_sha256": store_bytes(data),
        "media_mime_type": mime_type,
        "media_filename": clean_filename(filename) or None,
        "media_size": len(data),
        "media_state": "stored",
    }


def queue_reaction(
    conversation: Conversation, author: User, target: Message, emoji: str
) -> Message:
    """React to a message of the conversation; an empty emoji removes the reaction."""
    if target.conversation_id != conversation.id or not target.wamid:
        raise SendRefused(_("Auf diese Nachricht kann nicht reagiert werden."))
    if emoji and (len(emoji) > 8 or emoji.isalnum()):
        raise SendRefused(_("Bitte ein einzelnes Emoji wählen."))
    ensure_allowed(conversation, free_form=True)
    return store_and_enqueue(
        conversation,
        author,
        type="reaction",
        text=None,
        details={"reaction": {"to": target.wamid, "emoji": emoji}},
        touch=False,
    )


def queue_template(
    conversation: Conversation,
    author: User,
    template: MessageTemplate,
    values: dict[str, str],
    header_file: tuple[bytes, str, str | None] | None = None,
) -> Message:
    """Store an approved template with the agent's values; allowed outside the window.

    header_file: (data, filename, declared type) for a template with a media header.
    """
    fields = template_fields(conversation, template, values, header_file)
    return store_and_enqueue(conversation, author, **fields)


def template_fields(
    conversation: Conversation,
    template: MessageTemplate,
    values: dict[str, str],
    header_file: tuple[bytes, str, str | None] | None = None,
) -> dict:
    """The message fields of an approved template with its values, once allowed.

    Raises SendRefused with the reason; the composer and the rules' "send a
    template" action (automation/actions.py) both ask here.
    """
    ensure_allowed(conversation, free_form=False)
    reason = template_refusal(conversation.channel, conversation.contact, template)
    if reason:
        raise SendRefused(reason)
    if header_format(template) == "LOCATION":
        raise SendRefused(
            _(
                "Vorlagen mit einem Standort in der Kopfzeile kann LeadGate noch nicht senden."
            )
        )
    values = {key: value.strip() for key, value in values.items()}
    missing = [n for kind, n in variables(template) if not values.get(f"{kind}:{n}")]
    if missing:
        raise SendRefused(
            _("Bitte alle Platzhalter ausfüllen: %(names)s", names=", ".join(missing))
        )
    media = header_file_fields(template, header_file)
    return {
        "type": "template",
        "text": preview(template, values),
        "details": {
            "template": send_object(template, values, media.get("media_filename")),
            "template_id": template.id,
        },
        **media,
    }


def header_file_fields(
    template: MessageTemplate, header_file: tuple[bytes, str, str | None] | None
) -> dict:
    """The stored header file of a media template ({} for other templates)."""
    kind = header_media(template)
    if kind is None:
        return {}
    if header_file is None or not header_file[0]:
        raise SendRefused(_("Diese Vorlage braucht eine Datei für die Kopfzeile."))
    data, filename, declared_type = header_file
    mime_type = attachments.mime_type_of(filename, declared_type)
    if attachments.check(data, mime_type) != kind:
        raise SendRefused(
            _(
                "Die Kopfzeile dieser Vorlage braucht eine Datei vom Typ %(kind)s.",
                kind=attachments.kind_label(kind),
            )
        )
    return stored_media(data, filename, mime_type)


def ensure_allowed(conversation: Conversation, free_form: bool) -> None:
    reason = refusal(conversation.channel, conversation.contact, free_form=free_form)
    if reason:
        raise SendRefused(reason)


def store_and_enqueue(
    conversation: Conversation, author: User, touch: bool = True, **fields
) -> Message:
    """The message as `queued` and the conversation update in one commit, then the job."""
    message = stage(conversation, author, touch, **fields)
    db.session.flush()
    channel_id = message.channel_id  # read before the commit expires it
    db.session.commit()
    enqueue_delivery(channel_id)
    live.publish_conversations([(conversation.workspace_id, conversation.id)])
    return message


def stage(
    conversation: Conversation, author: User | None, touch: bool = True, **fields
) -> Message:
    """Add the message as `queued` with the conversation's update (caller commits).

    No author: LeadGate itself answers (an opt-out confirmation, an automatic
    reply) or a rule sends (details["rule_id"]).
    """
    now = utcnow()
    message = Message.of(
        conversation,
        direction="out",
        **initial(MessageState.QUEUED),
        sent_at=now,
        author_id=author.id if author is not None else None,
        **fields,
    )
    db.session.add(message)
    if touch:  # a reaction changes another message, not the conversation's latest
        conversation.last_activity_at = now
        conversation.last_message_preview = preview_text(message.text, message.caption)
        conversation.last_message_type = message.type
        # The team wrote (an agent, or a rule): the rules' time triggers count
        # from here. LeadGate's own answers (automatic replies) are no answer.
        if author is not None or "rule_id" in (message.details or {}):
            answered = conversation.first_answered_at is not None
            conversation.team_wrote(now, agent=author is not None)
            if author is not None and not answered:  # for the reports
                report_facts.first_answer(conversation, now, author.id)
    add_words(conversation, message.text, message.caption)
    if touch:  # a message of its own (a reaction is not): the reports count it
        count(
            conversation.workspace_id,
            conversation.channel_id,
            conversation.team_id,
            now,
            "out",
        )
    return message


# A failed message, or one Meta held back for its marketing limit (131049).
RESENDABLE = ("failed", "limited")


def resend(message: Message) -> None:
    """ "Erneut senden" on a failed or limited message: a new attempt, today's rules."""
    if message.direction != "out" or message.status not in RESENDABLE:
        raise SendRefused(
            _("Nur fehlgeschlagene Nachrichten können erneut gesendet werden.")
        )
    conversation = message.conversation
    ensure_allowed(conversation, free_form=message.type != "template")
    template = template_of(message)
    if template is not None:
        reason = template_refusal(conversation.channel, conversation.contact, template)
        if reason:
            raise SendRefused(reason)
    message.move_to(MessageState.QUEUED)
    message.wamid = None  # the failed attempt keeps its wamid in its SendAttempt row
    message.error_code = message.error_title = None
    message.next_attempt_at = message.sending_since = None
    message.details = {**(message.details or {}), "manual_resend": True}
    channel_id, changed = (
        message.channel_id,
        (message.workspace_id, message.conversation_id),
    )
    db.session.commit()
    enqueue_delivery(channel_id)
    live.publish_conversations([changed])
