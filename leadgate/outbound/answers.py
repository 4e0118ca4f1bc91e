"""Store a batch's send answers: accepted ones in bulk, errors by the retry rules.

Accepted answers move a message forward only (a status webhook may have been
quicker); errors go through settle.py, which decides retry, hold or failure.
Requests the batch never sent (the number's pace stopped it) go back to the
queue as if they had never been claimed.
"""

import logging
from collections import Counter

from sqlalchemy import bindparam, case, delete, exists, select, update

from .. import live, metrics
from ..extensions import db
from ..models import Channel, Message, SendAttempt, utcnow
from ..models.message_state import RANK, MessageState, moves_forward
from ..whatsapp.client import WhatsAppError
from ..whatsapp.payloads.limits import ERROR_TITLE, fit
from . import sender
from .claim import unclaim
from .progress import apply_recorded_statuses
from .settle import settle

log = logging.getLogger(__name__)


# The send answer's messages[].message_status for a paced template.
HELD_BY_META = "held_for_quality_assessment"


def record(
    channel_id: int,
    workspace_id: int,
    jobs: list[sender.SendJob],
    results: list[sender.SendResult],
    outcomes: Counter,
) -> list[float]:
    """Store and commit the batch's answers: accepted ones in bulk, errors one by one.

    Returns the delays of the retries to enqueue (delivery.py does, after this commit).
    """
    now = utcnow()
    messages, attempts = Message.__table__, SendAttempt.__table__
    uploads = [
        {"b_id": job.message_id, "b_media": result.media_id}
        for job, result in zip(jobs, results, strict=True)
        if result.media_id
    ]
    if uploads:  # kept even if the send failed: a retry reuses the upload
        db.session.execute(
            update(messages)
            .where(messages.c.id == bindparam("b_id"))
            .values(media_id=bindparam("b_media")),
            uploads,
        )
    accepted = [
        {
            "b_id": job.message_id,
            "b_attempt": job.attempt_id,
            "b_wamid": result.wamid,
            "b_status": accepted_status(result),
            "b_rank": RANK[accepted_status(result)],
        }
        for job, result in zip(jobs, results, strict=True)
        if result.error is None and not result.skipped
    ]
    if accepted:
        # Conditional in the database: a status webhook may have moved a message
        # on meanwhile (delivered, read), and that must not be undone.
        behind = moves_forward(
            messages.c.status, messages.c.status_rank, bindparam("b_rank")
        )
        db.session.execute(
            update(messages)
            .where(messages.c.id == bindparam("b_id"))
            .values(
                wamid=bindparam("b_wamid"),
                sending_since=None,
                status=case((behind, bindparam("b_status")), else_=messages.c.status),
                status_rank=case(
                    (behind, bindparam("b_rank")), else_=messages.c.status_rank
                ),
            ),
            accepted,
        )
        db.session.execute(
            update(attempts)
            .where(attempts.c.id == bindparam("b_attempt"))
            .values(finished_at=now, outcome="accepted", wamid=bindparam("b_wamid")),
            accepted,
        )
        # A status webhook may have been quicker than the answer.
        apply_recorded_statuses(channel_id, [row["b_wamid"] for row in accepted])
        held = sum(row["b_status"] == "held" for row in accepted)
        outcomes["sent"] += len(accepted) - held
        metrics.count_sends("sent", amount=len(accepted) - held)
        if held:
            outcomes["held"] += held
            metrics.count_sends("held", amount=held)
    retries = set()
    for job, result in zip(jobs, results, strict=True):
        if result.error is not None:
            outcome, delay = handle_error(job, result.error, result.wait)
            outcomes[outcome] += 1
            metrics.count_sends(outcome, result.error.code)
            if delay is not None:
                retries.add(round(delay, 1))  # one job per wait, not per message
    unsent = [job for job, result in zip(jobs, results, strict=True) if result.skipped]
    if unsent:
        give_back(unsent)
        outcomes["not sent"] += len(unsent)
    db.session.commit()
    live.publish_conversations((workspace_id, job.conversation_id) for job in jobs)
    log.info("Channel %s: %s", channel_id, dict(outcomes))
    return sorted(retries)


def give_back(jobs: list[sender.SendJob]) -> None:
    """Never sent (the pace stopped the batch): queued again, no attempt made.

    Only while the attempt is still this job's: one the sweeper gave back
    meanwhile (recovery.give_back_unsent) may be claimed and sent by another job
    already, and must not be queued a second time.
    """
    messages, attempts = Message.__table__, SendAttempt.__table__
    current = select(attempts.c.id).where(
        attempts.c.id == bindparam("b_attempt"), attempts.c.outcome.is_(None)
    )
    rows = [{"b_id": job.message_id, "b_attempt": job.attempt_id} for job in jobs]
    db.session.execute(
        unclaim().where(messages.c.id == bindparam("b_id"), exists(current)), rows
    )
    db.session.execute(
        delete(attempts).where(
            attempts.c.id.in_([job.attempt_id for job in jobs]),
            attempts.c.outcome.is_(None),
        )
    )


def handle_error(
    job: sender.SendJob, error: WhatsAppError, wait: float = 0.0
) -> tuple[str, float | None]:
    """Apply the retry rules to one failed send; returns (outcome, retry delay).

    `wait`: for Meta's pace errors, how long the number's pace holds sends back.
    """
    message = db.session.get(Message, job.message_id)
    attempt = db.session.get(SendAttempt, job.attempt_id)
    if message is None or attempt is None:  # erased meanwhile: nothing to retry
        return "gone", None
    attempt.finished_at = utcnow()
    attempt.http_status, attempt.error_code = error.http_status, error.code
    attempt.error_title = fit(error.details or error.message, ERROR_TITLE)
    if error.maybe_received:
        attempt.outcome = (
            "unknown"  # stays `sending`: a status webhook or the sweeper decides
        )
        log.warning("Message %s: no answer from Meta; waiting for a status", message.id)
        return "unknown", None
    outcome, delay = settle(message, error, attempt.error_title, wait)
    attempt.outcome = outcome
    if outcome == "throttled":
        return outcome, delay
    if outcome == "retry":
        log.info("Message %s: error %s, retry in %.0f s", message.id, error.code, delay)
        return outcome, delay
    if error.token_invalid:
        db.session.get(Channel, message.channel_id).needs_new_token = True
    log.warning("Message %s: %s (error %s)", message.id, outcome, error.code)
    return outcome, None


def accepted_status(result: sender.SendResult) -> MessageState:
    """ "held" when Meta paces the template (held_for_quality_assessment)."""
    if result.message_status == HELD_BY_META:
        return MessageState.HELD
    return MessageState.SENT
