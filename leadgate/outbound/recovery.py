"""What the send job cannot see itself: failures reported later, lost jobs, silent sends.

- A `failed` status webhook gets the same rules as that error in the send answer.
- The sweeper (rq cron, every 30 s) re-enqueues queued messages whose job got lost,
  and settles sends that never got an answer nor a status (see delivery.py).
"""

import logging
from datetime import timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import Channel, Message, SendAttempt, utcnow
from ..whatsapp.client import WhatsAppError
from .delivery import enqueue_delivery
from .reasons import UNCONFIRMED
from .settle import fail, settle

log = logging.getLogger(__name__)

UNCONFIRMED_AFTER = timedelta(minutes=5)
LOST_JOB_AFTER = timedelta(seconds=30)


def handle_failed_statuses(failures: list[dict]) -> list[tuple[int, float]]:
    """A `failed` status webhook gets the same rules as that error in the send answer.

    Temporary errors send again after a backoff (the failed wamid stays on its
    attempt), 131049 is Meta's marketing limit (`limited`), 132015 a paused
    template (the message waits for it), an invalid token flags the channel; the
    rest stays failed with its reason. Returns (channel id, delay) to enqueue
    after the commit.
    """
    resends = []
    for failure in failures:
        first = failure["b_errors"][0]
        error = WhatsAppError(first.get("code"), str(first.get("title") or ""))
        message = db.session.scalar(
            select(Message).where(
                Message.channel_id == failure["b_channel"],
                Message.wamid == failure["b_wamid"],
                Message.direction == "out",
            )
        )
        if message is None or message.status != "failed":
            continue
        attempt = db.session.scalar(
            select(SendAttempt).where(
                SendAttempt.message_id == message.id,
                SendAttempt.wamid == message.wamid,
            )
        )
        if error.token_invalid:
            db.session.get(Channel, message.channel_id).needs_new_token = True
        # The failed wamid stays on its attempt when the message is sent again.
        outcome, delay = settle(message, error, message.error_title)
        if attempt is not None:
            attempt.outcome = "failed" if outcome == "retry" else outcome
            attempt.error_code, attempt.error_title = error.code, error.message[:255]
        if delay is not None:
            resends.append((message.channel_id, delay))
    return resends


def sweep_outbound() -> dict:
    """Re-enqueue messages whose job got lost; settle sends Meta never answered."""
    now = utcnow()
    due = db.session.scalars(
        select(Message.channel_id)
        .distinct()
        .where(
            Message.status == "queued",
            Message.direction == "out",
            (
                Message.next_attempt_at.is_(None)
                & (Message.sent_at < now - LOST_JOB_AFTER)
            )
            | (Message.next_attempt_at < now - LOST_JOB_AFTER),
        )
    ).all()
    stuck = db.session.scalars(
        select(Message).where(
            Message.status == "sending",
            Message.wamid.is_(None),
            Message.sending_since < now - UNCONFIRMED_AFTER,
        )
    ).all()
    for message in stuck:
        fail(message, None, UNCONFIRMED)
    db.session.commit()
    for channel_id in due:
        enqueue_delivery(channel_id, force=True)  # its marked job may be lost
    if due or stuck:
        log.warning(
            "Outbound sweep: %d channels re-enqueued, %d unconfirmed",
            len(due),
            len(stuck),
        )
    return {"requeued": len(due), "unconfirmed": len(stuck)}
