"""What the send job cannot see itself: failures reported later, lost jobs, silent sends.

- A `failed` status webhook gets the same rules as that error in the send answer.
- The sweeper (rq cron, every 30 s) re-enqueues queued messages whose job got lost,
  gives back claims a dead worker never let go (their requests never left: they
  are queued again), and settles sends that never got an answer nor a status
  (see delivery.py).
"""

import logging
from datetime import timedelta

from sqlalchemy import select, update

from ..extensions import db
from ..models import Channel, Message, SendAttempt, utcnow
from ..whatsapp.client import WhatsAppError
from .claim import unclaim
from .delivery import enqueue_delivery
from .reasons import UNCONFIRMED
from .settle import fail, settle

log = logging.getLogger(__name__)

UNCONFIRMED_AFTER = timedelta(minutes=5)
LOST_JOB_AFTER = timedelta(seconds=30)
# A live batch lets its last wave go about a second after its claim; a claim
# still not let go after a minute belongs to a dead worker. Even a worker that
# only stalled cannot send it later: let_go is conditional on the same row.
NEVER_LEFT_AFTER = timedelta(seconds=60)


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
    unsent_channels = give_back_unsent(now)
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
    for channel_id in sorted(set(due) | set(unsent_channels)):
        enqueue_delivery(channel_id, force=True)  # its marked job may be lost
    if due or stuck or unsent_channels:
        log.warning(
            "Outbound sweep: %d channels re-enqueued, %d unconfirmed, %d given back",
            len(due),
            len(stuck),
            len(unsent_channels),
        )
    return {
        "requeued": len(due),
        "unconfirmed": len(stuck),
        "given_back": len(unsent_channels),
    }


def give_back_unsent(now) -> list[int]:
    """Claims of a dead worker whose requests never left: queued again; their channels.

    The attempt row decides, conditionally (let_go races this UPDATE on the same
    row; one of them wins): outcome `not_sent`, and the attempt does not count.
    """
    attempts = SendAttempt.__table__
    message_ids = db.session.scalars(
        update(attempts)
        .where(
            attempts.c.outcome.is_(None),
            attempts.c.requested_at.is_(None),
            attempts.c.started_at < now - NEVER_LEFT_AFTER,
        )
        .values(outcome="not_sent", finished_at=now)
        .returning(attempts.c.message_id)
    ).all()
    if not message_ids:
        return []
    messages = Message.__table__
    channels = db.session.scalars(
        unclaim()
        .where(messages.c.id.in_(message_ids))
        .values(next_attempt_at=None)
        .returning(messages.c.channel_id)
    ).all()
    return sorted(set(channels))
