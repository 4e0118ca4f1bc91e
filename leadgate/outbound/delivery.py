"""Deliver queued messages to the Cloud API: exactly once, retried while it makes sense.

States: queued → sending → sent (→ delivered → read, from status webhooks) or failed.
A job claims a message by moving it from `queued` to `sending` in one UPDATE, so two
workers (or a job and the sweeper's copy) never both send it, and a message with a
wamid is never sent again.

Ambiguous answers: when the request went out but no answer came (read timeout,
dropped connection, worker killed mid-call), Meta may have accepted the message.
LeadGate does not guess. The message stays `sending`; each send carries our message
id as biz_opaque_callback_data, so a status webhook for it fills in the wamid and
the state. If none comes within UNCONFIRMED_AFTER (recovery.py), the message is marked failed as
"unconfirmed" and the agent decides whether to send it again — a duplicate to a
customer is worse than a visible question.
"""

import logging
import random
import time
from datetime import timedelta

from sqlalchemy import select, update

from ..channels.services import client_for
from ..extensions import db
from ..jobs import in_app_context
from ..media import media_path
from ..models import Channel, Contact, Message, SendAttempt, as_utc, utcnow
from ..models.whatsapp import STATUS_RANK
from ..queue import enqueue, get_queue
from ..webhooks.statuses import apply_recorded_statuses
from ..whatsapp.client import WhatsAppError
from . import pacing

log = logging.getLogger(__name__)

QUEUE = "default"
MAX_ATTEMPTS = 6
MAX_BACKOFF_SECONDS = 300
ORDER_WAIT_SECONDS = 1  # an earlier message of the conversation is still on its way
MAX_PACING_SLEEP = 1.0  # a later channel slot: the job waits in the queue instead
MIN_PAIR_WAIT_SECONDS = 0.5
CALLBACK_PREFIX = "lg-"
MEDIA_TYPES = ("image", "audio", "video", "document")


def enqueue_delivery(message_id: int, delay_seconds: float = 0) -> None:
    """Ask a worker to deliver; call after the message is committed."""
    if delay_seconds <= 0:
        enqueue(deliver_message, message_id, queue=QUEUE, retry=None)
        return
    get_queue(QUEUE).enqueue_in(
        timedelta(seconds=delay_seconds),
        deliver_message,
        message_id,
        result_ttl=0,
    )


def backoff_seconds(attempt: int, code: int | None) -> float:
    """Exponential with jitter; Meta's pair rate limit asks for 4^X seconds."""
    if code == 131056:
        return float(min(MAX_BACKOFF_SECONDS, 4 ** (attempt - 1)))
    base = min(MAX_BACKOFF_SECONDS, 2**attempt)
    return base * random.uniform(0.5, 1.0)


@in_app_context
def deliver_message(message_id: int) -> str:
    """Send one queued message; return what happened (for logs and tests)."""
    message = db.session.get(Message, message_id)
    if message is None or message.direction != "out":
        return "gone"
    if message.status != "queued" or message.wamid is not None:
        return "done"
    if message.next_attempt_at and as_utc(message.next_attempt_at) > utcnow():
        return "not due"  # an early copy of the job: take no pacing slot
    if waits_for_earlier(message):
        db.session.rollback()
        enqueue_delivery(message_id, ORDER_WAIT_SECONDS)
        return "waiting"
    channel_slot = pacing.channel_slot(message.channel_id, MAX_PACING_SLEEP)
    if not channel_slot.reserved:
        return postpone(message, channel_slot.wait)
    recipient_slot = pacing.recipient_slot(message.channel_id, message.contact_id)
    if not recipient_slot.reserved:
        return postpone(message, max(recipient_slot.wait, MIN_PAIR_WAIT_SECONDS))
    now = utcnow()
    claimed = db.session.execute(
        update(Message)
        .where(
            Message.id == message_id,
            Message.status == "queued",
            Message.wamid.is_(None),
            (Message.next_attempt_at.is_(None)) | (Message.next_attempt_at <= now),
        )
        .values(
            status="sending",
            attempts=Message.attempts + 1,
            sending_since=now,
            next_attempt_at=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return "not due"
    db.session.refresh(message)
    attempt = SendAttempt(
        message_id=message.id,
        number=message.attempts,
        started_at=now,
        manual=bool((message.details or {}).get("manual_resend")),
    )
    db.session.add(attempt)
    db.session.commit()  # `sending` is on record before the request goes out
    time.sleep(channel_slot.wait)  # our slot in the channel's schedule
    return send(message, attempt)


def postpone(message: Message, seconds: float) -> str:
    """Over a rate limit: wait in the queue (not an attempt, not a failure)."""
    message.next_attempt_at = utcnow() + timedelta(seconds=seconds)
    db.session.commit()
    enqueue_delivery(message.id, seconds)
    return "paced"


def waits_for_earlier(message: Message) -> bool:
    """Keep the conversation's order: an earlier outbound message goes first."""
    return (
        db.session.scalar(
            select(Message.id)
            .where(
                Message.conversation_id == message.conversation_id,
                Message.direction == "out",
                Message.id < message.id,
                Message.status.in_(("queued", "sending")),
            )
            .limit(1)
        )
        is not None
    )


def send(message: Message, attempt: SendAttempt) -> str:
    channel = db.session.get(Channel, message.channel_id)
    contact = db.session.get(Contact, message.contact_id)
    try:
        with client_for(channel) as client:
            if message.type in MEDIA_TYPES and not message.media_id:
                upload(client, channel, message)
            wamid = client.send_message(
                channel.phone_number_id, payload(message, contact)
            )
    except WhatsAppError as error:
        return handle_error(message, attempt, channel, error)
    attempt.finished_at, attempt.outcome, attempt.wamid = utcnow(), "accepted", wamid
    # In the database, not on the loaded row: a status webhook may have moved the
    # message on meanwhile (delivered, read) and must not be undone.
    db.session.execute(
        update(Message)
        .where(Message.id == message.id)
        .values(wamid=wamid, sending_since=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Message)
        .where(Message.id == message.id, Message.status_rank < STATUS_RANK["sent"])
        .values(status="sent", status_rank=STATUS_RANK["sent"])
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    apply_recorded_statuses(channel.id, wamid)  # a status may have been quicker
    db.session.commit()
    log.info("Message %s sent (attempt %s)", message.id, attempt.number)
    return "sent"


def upload(client, channel: Channel, message: Message) -> None:
    """Upload our copy; the media ID serves retries too (Meta keeps it 30 days)."""
    try:
        data = media_path(message.media_sha256).read_bytes()
        message.media_id = client.upload_media(
            channel.phone_number_id,
            data,
            message.media_mime_type,
            message.media_filename or f"{message.type}-{message.id}",
        )
    except WhatsAppError as error:
        error.maybe_received = False  # a second upload sends nothing to anyone
        raise
    db.session.commit()


def handle_error(
    message: Message, attempt: SendAttempt, channel: Channel, error: WhatsAppError
) -> str:
    attempt.finished_at = utcnow()
    attempt.http_status, attempt.error_code = error.http_status, error.code
    attempt.error_title = (error.details or error.message)[:255]
    if error.maybe_received:
        attempt.outcome = "unknown"
        db.session.commit()  # stays `sending`: a status webhook or the sweeper decides
        log.warning("Message %s: no answer from Meta; waiting for a status", message.id)
        return "unknown"
    delay = schedule_retry(message, error)
    if delay is not None:
        attempt.outcome = "retry"
        db.session.commit()
        enqueue_delivery(message.id, delay)
        log.info("Message %s: error %s, retry in %.0f s", message.id, error.code, delay)
        return "retry"
    attempt.outcome = "failed"
    fail(message, error.code, attempt.error_title)
    if error.token_invalid:
        channel.needs_new_token = True
    db.session.commit()
    log.warning("Message %s failed permanently (error %s)", message.id, error.code)
    return "failed"


def schedule_retry(message: Message, error: WhatsAppError) -> float | None:
    """Back to `queued` for another attempt after a backoff; None if not allowed."""
    if not error.retryable or message.attempts >= MAX_ATTEMPTS:
        return None
    delay = backoff_seconds(message.attempts, error.code)
    message.status, message.status_rank, message.wamid = "queued", 0, None
    message.error_code = message.error_title = message.sending_since = None
    message.next_attempt_at = utcnow() + timedelta(seconds=delay)
    return delay


def fail(message: Message, code: int | None, title: str | None) -> None:
    message.status, message.status_rank = "failed", STATUS_RANK["failed"]
    message.error_code, message.error_title = code, title
    message.sending_since = message.next_attempt_at = None


def payload(message: Message, contact: Contact) -> dict:
    body: dict = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "type": message.type,
        "biz_opaque_callback_data": f"{CALLBACK_PREFIX}{message.id}",
    }
    if contact.wa_id:
        body["to"] = "+" + contact.wa_id
    else:
        body["recipient"] = contact.bsuid  # a username-only contact: BSUID
    if message.type == "text":
        body["text"] = {"body": message.text, "preview_url": False}
    elif message.type == "template":
        body["template"] = message.details["template"]
    elif message.type in MEDIA_TYPES:
        media: dict = {"id": message.media_id}
        if message.caption and message.type != "audio":
            media["caption"] = message.caption
        if message.type == "document" and message.media_filename:
            media["filename"] = message.media_filename
        body[message.type] = media
    elif message.type == "reaction":
        reaction = message.details["reaction"]
        body["reaction"] = {"message_id": reaction["to"], "emoji": reaction["emoji"]}
    if message.reply_to_wamid:
        body["context"] = {"message_id": message.reply_to_wamid}
    return body
