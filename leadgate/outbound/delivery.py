"""Deliver queued messages to the Cloud API: exactly once, retried while it makes sense.

States: queued → sending → sent (→ delivered → read, from status webhooks) or failed.
Meta's own holds are no failures (settle.py, template_status.py): `held` (accepted,
but a paced template Meta holds: held_for_quality_assessment; statuses move it on),
`paused` (waits while its template is paused, queued again once it is approved)
and `limited` (131049, the per-user marketing limit: resent only by the agent).

One job per channel (`deliver_due`) sends the number's due messages in batches:
it reserves the batch's slots in the shared pacing schedule, claims the messages by
moving them from `queued` to `sending` in one conditional UPDATE (so two jobs, or
a job and the sweeper's copy, never both send one, and a message with a wamid is
never sent again), records the attempts, sends concurrently (sender.py) and
stores the answers with a few bulk statements. Per message, a batch costs a slot
and an HTTP call, not a job and a dozen round trips.

Order: a message waits while an earlier one of its conversation is queued or
sending, so a conversation's messages leave one by one, in order.

Ambiguous answers: when the request went out but no answer came (read timeout,
dropped connection, worker killed mid-call), Meta may have accepted the message.
LeadGate does not guess. The message stays `sending`; each send carries our message
id as biz_opaque_callback_data, so a status webhook for it fills in the wamid and
the state. If none comes within UNCONFIRMED_AFTER (recovery.py), the message is
marked failed as "unconfirmed" and the agent decides whether to send it again — a
duplicate to a customer is worse than a visible question.
"""

import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, case, exists, select, update
from sqlalchemy.orm import aliased

from .. import live, metrics
from ..channels.services import client_for
from ..dbutil import one_of
from ..extensions import db
from ..files import clean_filename
from ..jobs import in_app_context
from ..media import media_path
from ..models import Channel, Contact, Message, SendAttempt, utcnow
from ..models.whatsapp import STATUS_RANK
from ..queue import enqueue, get_queue, redis_connection
from ..webhooks.statuses import apply_recorded_statuses
from ..whatsapp.client import WhatsAppClient, WhatsAppError
from ..whatsapp.payloads_limits import ERROR_TITLE, fit
from . import pacing, sender
from .reasons import WITHHELD
from .settle import MAX_ATTEMPTS, fail, schedule_retry, settle  # noqa: F401 (API)

log = logging.getLogger(__name__)

# The send answer's messages[].message_status for a paced template.
HELD_BY_META = "held_for_quality_assessment"

QUEUE = "default"
BATCH_SIZE = 40  # half a second of a number's default rate
MAX_PACING_SLEEP = 1.0  # a later channel slot: the job waits in the queue instead
MIN_PAIR_WAIT_SECONDS = 0.5
MAX_JOB_SECONDS = 5  # then the job hands over, so other work gets a turn
PENDING_KEY = "leadgate:deliver:pending:{}"
PENDING_TTL_MS = 60_000  # a lost job's mark expires; the sweeper covers the gap


def enqueue_delivery(
    channel_id: int, delay_seconds: float = 0, force: bool = False
) -> None:
    """Ask a worker to send the channel's due messages; call after the commit.

    One waiting job per channel is enough: while its mark is set, that job also
    sends what is committed now (see deliver_due). `force` enqueues regardless,
    for the sweeper (the marked job may be lost) and a job handing over.
    """
    if delay_seconds > 0:
        get_queue(QUEUE).enqueue_in(
            timedelta(seconds=delay_seconds), deliver_due, channel_id, result_ttl=0
        )
        return
    if current_app.config["QUEUE_IS_ASYNC"] and not force:
        marked = redis_connection().set(
            PENDING_KEY.format(channel_id), 1, nx=True, px=PENDING_TTL_MS
        )
        if not marked:
            return
    enqueue(deliver_due, channel_id, queue=QUEUE, retry=None)


@in_app_context
def deliver_due(channel_id: int) -> dict[str, int]:
    """Send the channel's due messages; return how many ended how (logs, tests)."""
    outcomes: Counter[str] = Counter()
    channel = db.session.get(Channel, channel_id)
    if channel is None:
        return {}
    line = Line(
        channel_id, channel.workspace_id, channel.phone_number_id, client_for(channel)
    )
    started = time.monotonic()
    withhold_blocked(channel_id, outcomes)
    while True:
        candidates = due_messages(channel_id)
        if not candidates:
            # Clear the mark, then look once more: a message committed before the
            # clear is found now, one committed after it enqueues a new job.
            redis_connection().delete(PENDING_KEY.format(channel_id))
            candidates = due_messages(channel_id)
            if not candidates:
                break
        if not deliver_batch(line, candidates, outcomes):
            break  # paced or taken by another job, which carries on from here
        if time.monotonic() - started > MAX_JOB_SECONDS:
            enqueue_delivery(channel_id, force=True)
            break
    db.session.commit()
    return dict(outcomes)


@dataclass(frozen=True)
class Line:
    """What a batch needs of its channel, read once per job."""

    channel_id: int
    workspace_id: int
    phone_number_id: str
    client: WhatsAppClient


def withhold_blocked(channel_id: int, outcomes: Counter) -> None:
    """Waiting messages to a contact who objected or was restricted meanwhile fail.

    The send checks ran when the message was queued; a retry can wait for
    minutes, and an objection (Art. 21) or restriction (Art. 18) holds at once.
    """
    # From the few queued messages to their contacts, not the other way round.
    blocked = exists().where(
        Contact.id == Message.contact_id,
        Contact.opted_out_at.is_not(None) | Contact.restricted_at.is_not(None),
    )
    withheld = db.session.execute(
        update(Message)
        .where(
            Message.channel_id == channel_id,
            Message.status == "queued",
            Message.direction == "out",
            Message.wamid.is_(None),
            blocked,
        )
        .values(
            status="failed",
            status_rank=STATUS_RANK["failed"],
            error_title=WITHHELD,
            next_attempt_at=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if withheld:
        outcomes["withheld"] += withheld


def is_due(now: datetime):
    return Message.next_attempt_at.is_(None) | (Message.next_attempt_at <= now)


def due_messages(channel_id: int) -> list:
    """(id, contact_id) of queued messages that may go now, oldest first.

    A message whose conversation has an earlier one still queued or sending is
    not due yet: it follows in a later batch.
    """
    earlier = aliased(Message)
    return db.session.execute(
        select(Message.id, Message.contact_id)
        .where(
            Message.channel_id == channel_id,
            Message.status == "queued",
            Message.direction == "out",
            Message.wamid.is_(None),
            is_due(utcnow()),
            ~exists().where(
                earlier.conversation_id == Message.conversation_id,
                earlier.direction == "out",
                earlier.id < Message.id,
                earlier.status.in_(("queued", "sending")),
            ),
        )
        .order_by(Message.id)
        .limit(BATCH_SIZE)
    ).all()


def deliver_batch(line: Line, candidates: list, outcomes: Counter) -> int:
    """Pace, claim, send and record one batch; return how many were claimed."""
    slots = pacing.channel_slots(line.channel_id, len(candidates), MAX_PACING_SLEEP)
    reserved_at = time.monotonic()
    if not slots.reserved:
        db.session.rollback()
        enqueue_delivery(line.channel_id, slots.wait())
        return 0
    taken = candidates[: slots.granted]  # the rest stays due for the next batch
    pair = pacing.recipient_slots(line.channel_id, [c.contact_id for c in taken])
    postponed = [
        (c.id, max(s.wait(), MIN_PAIR_WAIT_SECONDS))
        for c, s in zip(taken, pair, strict=True)
        if not s.reserved
    ]
    starts = {
        c.id: reserved_at + slots.wait(index)
        for index, (c, s) in enumerate(zip(taken, pair, strict=True))
        if s.reserved
    }
    postpone(postponed)
    if postponed:
        outcomes["paced"] += len(postponed)
    jobs = claim(starts)
    db.session.commit()  # `sending` is on record before any request goes out
    for _, delay in postponed:
        enqueue_delivery(line.channel_id, delay)
    if not jobs:
        return 0
    results = sender.send_all(line.client, line.phone_number_id, jobs, slots.interval)
    record(line, jobs, results, outcomes)
    return len(jobs)


def postpone(waits: list[tuple[int, float]]) -> None:
    """Over the pair rate limit: wait in the queue (not an attempt, not a failure)."""
    if not waits:
        return
    now = utcnow()
    table = Message.__table__
    db.session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.status == "queued")
        .values(next_attempt_at=bindparam("b_at")),
        [{"b_id": id_, "b_at": now + timedelta(seconds=wait)} for id_, wait in waits],
    )


def claim(starts: dict[int, float]) -> list[sender.SendJob]:
    """queued → sending for those no other job took meanwhile, with their attempts."""
    if not starts:
        return []
    now = utcnow()
    claimed = db.session.scalars(
        update(Message)
        .where(
            one_of(Message.id, list(starts)),
            Message.status == "queued",
            Message.wamid.is_(None),
            is_due(now),
        )
        .values(
            status="sending",
            attempts=Message.attempts + 1,
            sending_since=now,
            next_attempt_at=None,
        )
        .returning(Message.id)
        .execution_options(synchronize_session=False)
    ).all()
    if not claimed:
        return []
    rows = db.session.execute(
        select(Message, Contact.wa_id, Contact.bsuid)
        .join(Contact, Contact.id == Message.contact_id)
        .where(one_of(Message.id, claimed))
        .execution_options(populate_existing=True)
    ).all()
    attempts = [
        SendAttempt(
            message_id=message.id,
            number=message.attempts,
            started_at=now,
            manual=bool((message.details or {}).get("manual_resend")),
        )
        for message, _, _ in rows
    ]
    db.session.add_all(attempts)
    db.session.flush()
    jobs = [
        sender.SendJob(
            message_id=message.id,
            conversation_id=message.conversation_id,
            attempt_id=attempt.id,
            payload=sender.payload(message, wa_id, bsuid),
            starts_at=starts[message.id],
            upload=stored_copy(message),
        )
        for (message, wa_id, bsuid), attempt in zip(rows, attempts, strict=True)
    ]
    return sorted(jobs, key=lambda job: job.starts_at)


def stored_copy(message: Message) -> sender.Upload | None:
    """Our copy of an attachment (or a template's header file) still to upload."""
    if not message.media_sha256 or message.media_id:
        return None
    return sender.Upload(
        media_path(message.media_sha256),
        message.media_mime_type,
        clean_filename(message.media_filename, f"{message.type}-{message.id}"),
    )


def record(
    line: Line,
    jobs: list[sender.SendJob],
    results: list[sender.SendResult],
    outcomes: Counter,
) -> None:
    """Store the batch's answers: accepted ones in bulk, errors one by one."""
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
            "b_rank": STATUS_RANK[accepted_status(result)],
        }
        for job, result in zip(jobs, results, strict=True)
        if result.error is None
    ]
    if accepted:
        # Conditional in the database: a status webhook may have moved a message
        # on meanwhile (delivered, read), and that must not be undone.
        behind = messages.c.status_rank < bindparam("b_rank")
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
        apply_recorded_statuses(line.channel_id, [row["b_wamid"] for row in accepted])
        held = sum(row["b_status"] == "held" for row in accepted)
        outcomes["sent"] += len(accepted) - held
        metrics.count_sends("sent", amount=len(accepted) - held)
        if held:
            outcomes["held"] += held
            metrics.count_sends("held", amount=held)
    retries = []
    for job, result in zip(jobs, results, strict=True):
        if result.error is not None:
            outcome, delay = handle_error(job, result.error)
            outcomes[outcome] += 1
            metrics.count_sends(outcome, result.error.code)
            if delay is not None:
                retries.append(delay)
    db.session.commit()
    for delay in retries:
        enqueue_delivery(line.channel_id, delay)
    live.publish_conversations((line.workspace_id, job.conversation_id) for job in jobs)
    log.info("Channel %s: %s", line.channel_id, dict(outcomes))


def handle_error(job: sender.SendJob, error: WhatsAppError) -> tuple[str, float | None]:
    """Apply the retry rules to one failed send; returns (outcome, retry delay)."""
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
    outcome, delay = settle(message, error, attempt.error_title)
    attempt.outcome = outcome
    if outcome == "retry":
        log.info("Message %s: error %s, retry in %.0f s", message.id, error.code, delay)
        return outcome, delay
    if error.token_invalid:
        db.session.get(Channel, message.channel_id).needs_new_token = True
    log.warning("Message %s: %s (error %s)", message.id, outcome, error.code)
    return outcome, None


def accepted_status(result: sender.SendResult) -> str:
    """ "held" when Meta paces the template (held_for_quality_assessment)."""
    return "held" if result.message_status == HELD_BY_META else "sent"
