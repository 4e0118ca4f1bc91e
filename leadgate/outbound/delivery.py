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
never sent again; claim.py), records the attempts, sends concurrently (sender.py)
and stores the answers with a few bulk statements (answers.py). Per message, a
batch costs a slot and an HTTP call, not a job and a dozen round trips. While
one batch is out (its requests leave from a thread of their own), the job
reserves and claims the next, so the number's schedule never waits for answers
to be stored; it hands over after MAX_JOB_SECONDS only if other work waits.

Order: a message waits while an earlier one of its conversation is queued or
sending, so a conversation's messages leave one by one, in order.

Pace: each number's slots come from its learned pace (throughput.py): below
min(WHATSAPP_RATE_PER_SECOND, its Meta level), lowered at once by a 130429 and
paused by 131057. Neither costs a message an attempt or fails it (settle.py).

A worker killed mid-batch: its requests were let go a wave at a time, each wave
recorded just before it left (let_go). Claims never let go are given back by
the sweeper and sent again (recovery.py); the wave in the air is in doubt:

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
from collections import Counter, deque
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Literal, cast

from flask import current_app
from sqlalchemy import Engine, Table, bindparam, exists, select, update
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Channel, Contact, Message, SendAttempt, utcnow
from ..models.message_state import MessageState, columns
from ..queue import enqueue, get_queue, other_work_waiting, redis_connection
from ..retry import ONCE
from ..whatsapp.channels import client_for
from ..whatsapp.client import WhatsAppClient
from . import answers, pacing, sender, throughput
from .claim import claim, is_due
from .reasons import WITHHELD

log = logging.getLogger(__name__)

QUEUE = "default"
BATCH_SIZE = 40  # half a second of a number's default rate
MAX_PACING_SLEEP = 1.0  # a later channel slot: the job waits in the queue instead
MIN_PAIR_WAIT_SECONDS = 0.5
# Then the job hands over if other work waits for a worker (it gets its turn),
# and after MAX_JOB_SECONDS_ALONE in any case (well within RQ's job timeout). A
# handover leaves the number's schedule to the other job for a moment: each
# one costs about a tenth of a second of sending (benchmarks/campaign_send.py).
MAX_JOB_SECONDS = 5
MAX_JOB_SECONDS_ALONE = 60
PENDING_KEY = "leadgate:deliver:pending:{}"
PENDING_TTL_MS = 60_000  # a lost job's mark expires; the sweeper covers the gap
NOT_YET: Literal["not_yet"] = "not_yet"  # start_batch: finish the batch out first
RELAY_KEY = "leadgate:deliver:relay:{}"
RELAY_TTL_MS = 2_000  # at most one relay job per channel this often


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
    enqueue(deliver_due, channel_id, queue=QUEUE, retry=ONCE.rq())


def deliver_due(channel_id: int) -> dict[str, int]:
    """Send the channel's due messages; return how many ended how (logs, tests)."""
    outcomes: Counter[str] = Counter()
    channel = db.session.get(Channel, channel_id)
    if channel is None:
        return {}
    line = Line(
        channel_id,
        channel.workspace_id,
        channel.phone_number_id,
        client_for(channel),
        throughput.ceiling(channel.throughput_mps),
    )
    started = time.monotonic()
    withhold_blocked(channel_id, outcomes)
    # One batch is out while the next is claimed (sender.start_all): the
    # number's schedule never waits for answers to be recorded.
    in_flight: deque[Batch] = deque()
    gate = sender.Gate()  # the job's requests, of all its batches, kept apart
    try:
        while True:
            candidates = due_messages(channel_id)
            if not candidates and in_flight:
                # Its answers may make more due (a conversation's next message).
                finish_batch(line, in_flight.popleft(), outcomes)
                continue
            if not candidates:
                # Clear the mark, then look once more: a message committed before
                # the clear is found now, one committed after it enqueues a job.
                redis_connection().delete(PENDING_KEY.format(channel_id))
                candidates = due_messages(channel_id)
                if not candidates:
                    break
            batch = start_batch(line, gate, candidates, outcomes, bool(in_flight))
            if batch == NOT_YET:  # its slots would start too late: first the one out
                finish_batch(line, in_flight.popleft(), outcomes)
                continue
            if not isinstance(batch, Batch):
                break  # paced or taken by another job, which carries on from here
            in_flight.append(batch)
            if len(in_flight) == sender.BATCHES_IN_FLIGHT:
                finish_batch(line, in_flight.popleft(), outcomes)
            if time_to_hand_over(channel_id, time.monotonic() - started):
                enqueue_delivery(channel_id, force=True)
                break
    finally:
        while in_flight:
            finish_batch(line, in_flight.popleft(), outcomes)
    db.session.commit()
    return dict(outcomes)


def time_to_hand_over(channel_id: int, seconds: float) -> bool:
    if seconds > MAX_JOB_SECONDS_ALONE:
        return True
    return seconds > MAX_JOB_SECONDS and other_work_waiting(deliver_due, channel_id)


@dataclass(frozen=True)
class Line:
    """What a batch needs of its channel, read once per job."""

    channel_id: int
    workspace_id: int
    phone_number_id: str
    client: WhatsAppClient
    ceiling: float  # messages/s: the configured rate or the number's level


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
            Message.status == MessageState.QUEUED,
            Message.direction == "out",
            Message.wamid.is_(None),
            blocked,
        )
        .values(
            **columns(MessageState.FAILED, MessageState.QUEUED),
            error_title=WITHHELD,
            next_attempt_at=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if withheld:
        outcomes["withheld"] += withheld


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


@dataclass(frozen=True)
class Batch:
    jobs: list[sender.SendJob]
    sending: Future[list[sender.SendResult]]


def start_batch(
    line: Line,
    gate: sender.Gate,
    candidates: list,
    outcomes: Counter,
    ahead: bool = False,
) -> Batch | Literal["not_yet"] | None:
    """Pace, claim and start sending one batch; None if nothing was claimed.

    `ahead`: a batch of this job is still out. If the next slots start later
    than MAX_PACING_SLEEP, NOT_YET: the job finishes that batch and asks again
    (without one out, it leaves the wait to a delayed job instead).
    """
    slots = throughput.channel_slots(
        line.channel_id, line.ceiling, len(candidates), MAX_PACING_SLEEP
    )
    reserved_at = time.monotonic()
    if not slots.reserved:
        db.session.rollback()
        if ahead:
            return NOT_YET
        enqueue_delivery(line.channel_id, slots.wait())
        return None
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
    if len(candidates) == BATCH_SIZE and jobs:
        relay(line.channel_id)
    for _, delay in postponed:
        enqueue_delivery(line.channel_id, delay)
    if not jobs:
        return None
    meter = throughput.Meter(line.channel_id, line.ceiling, slots.now)
    gate.spacing = slots.interval
    sending = sender.start_all(
        line.client,
        line.phone_number_id,
        jobs,
        gate,
        meter,
        partial(let_go, engine=db.engine),
    )
    return Batch(jobs, sending)


def finish_batch(line: Line, batch: Batch, outcomes: Counter) -> None:
    """Wait for the batch's answers and record them."""
    # No transaction open while waiting: the batch's thread lets its waves go
    # on its own connection (on SQLite a transaction holds the write lock).
    db.session.commit()
    results = batch.sending.result()
    for delay in answers.record(
        line.channel_id, line.workspace_id, batch.jobs, results, outcomes
    ):
        enqueue_delivery(line.channel_id, delay)


def let_go(attempt_ids: list[int], engine: Engine | None = None) -> set[int]:
    """Record that these requests leave now; the ids recorded (committed).

    Conditional: an attempt the sweeper gave back meanwhile (recovery.py, its
    worker presumed dead) is not let go, so one message never goes out twice.
    On a connection of its own: the batch's thread calls it while the job
    claims the next batch in its session.
    """
    attempts = cast(Table, SendAttempt.__table__)
    with (engine or db.engine).begin() as connection:
        recorded = connection.scalars(
            update(attempts)
            .where(
                attempts.c.id.in_(attempt_ids),
                attempts.c.outcome.is_(None),
                attempts.c.requested_at.is_(None),
            )
            .values(requested_at=utcnow())
            .returning(attempts.c.id)
        ).all()
    return set(recorded)


def relay(channel_id: int) -> None:
    """More is due: a second job takes the next slots while this batch is out.

    One job sends its batch, then stores the answers; meanwhile the number's
    schedule would stand still (about a tenth of its time at 80/s). A relay job
    reserves the following slots instead (claim keeps them from sending one
    message twice), at most one per RELAY_TTL_MS.
    """
    if not current_app.config["QUEUE_IS_ASYNC"]:
        return  # inline jobs (tests) run one after the other anyway
    if redis_connection().set(
        RELAY_KEY.format(channel_id), 1, nx=True, px=RELAY_TTL_MS
    ):
        enqueue(deliver_due, channel_id, queue=QUEUE, retry=ONCE.rq())


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
