"""From stored webhook to inbox: claim pending events in batches and apply them once.

The POST handler commits each body as a WebhookEvent before answering 200, then asks
for a drain job on the high-priority queue. Drains claim pending events with
FOR UPDATE SKIP LOCKED (so several workers share the load without overlap), apply
them and mark them processed in the same transaction: a worker that dies mid-way
leaves its events pending, and the sweeper schedules them again. An event that
makes its batch fail is isolated and, if it fails alone too, marked failed
(failures.py); the rest of its batch is applied.
"""

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from .. import live
from ..automation.inbound import after_inbound
from ..channels.services import refresh_number
from ..dbutil import bulk_update, update_changed_at_once
from ..extensions import db
from ..models import Channel, Contact, Conversation, WebhookEvent, utcnow
from ..outbound import template_status, throughput
from ..outbound.delivery import enqueue_delivery
from ..outbound.recovery import handle_failed_statuses
from ..queue import enqueue, redis_connection
from ..retry import ONCE
from ..whatsapp.payloads.batch import PayloadError, WebhookBatch, parse_body
from . import apply, failures, senders
from .contacts import ContactResolver
from .inbound import InboundBuffer
from .statuses import StatusBuffer

log = logging.getLogger(__name__)

BATCH_SIZE = 200
MAX_JOB_SECONDS = 5.0  # then the job ends, so other high-priority jobs get a turn
GATHER_SECONDS = 0.05  # pause after a small batch to let the next one fill
DRAIN_FLAG = "leadgate:webhooks:drain-scheduled"
STALE_AFTER = timedelta(seconds=60)


def schedule_processing() -> None:
    """Make sure one drain job is queued; cheap when one already is."""
    try:
        if redis_connection().set(DRAIN_FLAG, "1", nx=True, ex=30):
            enqueue(process_pending_webhooks, queue="high", retry=ONCE.rq())
    except Exception:  # Redis down: the event is stored; the sweeper catches up
        log.exception("Could not schedule webhook processing")


def process_pending_webhooks() -> int:
    """Drain pending webhook events in batches; return how many were handled.

    While events keep coming the job stays (up to MAX_JOB_SECONDS), pausing
    briefly after a small batch so the next one is larger: per batch the fixed
    cost is about ten round trips, per event far less.
    """
    # Clear the flag first: an event stored after this line schedules a new drain.
    redis_connection().delete(DRAIN_FLAG)
    linger = current_app.config["WEBHOOK_DRAIN_LINGER_SECONDS"]
    started = last_event = time.monotonic()
    handled = 0
    while True:
        count = process_batch()
        handled += count
        now = time.monotonic()
        if count:
            last_event = now
        if now - started > MAX_JOB_SECONDS:
            if count:
                schedule_processing()  # more waiting: hand over to a fresh job
            return handled
        if count == BATCH_SIZE:
            continue
        if now - last_event >= linger:
            return handled
        time.sleep(GATHER_SECONDS)


events = WebhookEvent.__table__
# What a drain needs of a stored event; the rest of the row stays in the database.
EVENT_COLUMNS = (events.c.id, events.c.channel_id, events.c.body)


def claim_pending(limit: int) -> list:
    """Lock up to `limit` pending events; other workers skip them (PostgreSQL)."""
    query = (
        select(*EVENT_COLUMNS)
        .where(events.c.state == "pending")
        .order_by(events.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(db.session.execute(query))


def process_batch(limit: int = BATCH_SIZE) -> int:
    """Apply one batch in one transaction; isolate a failing event if the batch fails."""
    rows = claim_pending(limit)
    if not rows:
        db.session.rollback()
        return 0
    try:
        follow_ups = apply_events(rows)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        # The class only: a database error's message quotes the values it choked on.
        log.warning(
            "Webhook batch failed (%s); applying its %d events one by one",
            failures.error_class(error),
            len(rows),
        )
        follow_ups = process_one_by_one([row.id for row in rows])
    follow_ups.enqueue()
    return len(rows)


@dataclass
class FollowUps:
    """Jobs a drain starts once its transaction is committed."""

    media_ids: list[int] = field(default_factory=list)
    resends: list[tuple[int, float]] = field(default_factory=list)  # (channel, delay)
    changed: set[tuple[int, int]] = field(default_factory=set)  # for live updates
    inbound: Counter[int] = field(default_factory=Counter)  # channel → messages
    rereads: set[int] = field(default_factory=set)  # channels: read the level
    # Conversations contacts wrote to: conversation → [newest message, opened,
    # reopened, first message, first contact] (webhooks/inbound.py note_arrival).
    arrivals: dict[int, list[int]] = field(default_factory=dict)

    def add(self, other: "FollowUps") -> None:
        self.media_ids += other.media_ids
        self.resends += other.resends
        self.changed |= other.changed
        self.inbound += other.inbound
        self.rereads |= other.rereads
        self.arrivals.update(other.arrivals)

    def enqueue(self) -> None:
        apply.enqueue_media_downloads(self.media_ids)
        for channel_id, delay in self.resends:
            enqueue_delivery(channel_id, delay)
        for channel_id, count in self.inbound.items():
            throughput.count_inbound(channel_id, count)  # the pace leaves room
        for channel_id in self.rereads:
            enqueue(refresh_number, channel_id, queue="low")
        live.publish_conversations(self.changed)
        if self.arrivals:  # assignment, automatic replies, rules: off the drain's path
            # "default", behind the drains: a worker takes the next batch of
            # webhooks first, so a burst is stored (and shown) at full speed
            # and its follow-ups run between batches and right after it.
            enqueue(
                after_inbound,
                [[key, *values] for key, values in sorted(self.arrivals.items())],
                queue="default",
            )


def process_one_by_one(ids: list[int]) -> FollowUps:
    follow_ups = FollowUps()
    for event_id in ids:
        rows = list(
            db.session.execute(
                select(*EVENT_COLUMNS)
                .where(events.c.id == event_id, events.c.state == "pending")
                .with_for_update()
            )
        )
        if not rows:
            db.session.rollback()
            continue
        try:
            follow_ups.add(apply_events(rows))
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            failures.record_failure(event_id, error)
    return follow_ups


def parse(body: bytes) -> WebhookBatch | None:
    try:
        # Bounded JSON (payloads/depth.py): a body stored before the intake refused
        # deep nesting is "unreadable", never a crash of the whole batch.
        return parse_body(body)
    except (ValueError, PayloadError):
        return None


def apply_events(rows: list) -> FollowUps:
    """Apply claimed events; return the jobs to start after the commit.

    Events whose senders another drain works on stay pending (senders.py). Every
    sender of the rest is resolved and locked first, in id order, so concurrent
    drains serialise per contact without deadlocking each other.
    """
    channels = {
        channel.id: channel
        for channel in db.session.scalars(
            select(Channel).where(
                Channel.id.in_({r.channel_id for r in rows if r.channel_id})
            )
        )
    }
    parsed = [(row, channels.get(row.channel_id), parse(row.body)) for row in rows]
    parsed = senders.not_busy_elsewhere(parsed)
    rows = [row for row, _, _ in parsed]
    resolvers: dict[int, ContactResolver] = {}
    for _, channel, batch in parsed:
        if channel is not None and batch is not None:
            resolvers.setdefault(
                channel.workspace_id, ContactResolver(channel.workspace_id)
            )
    for workspace_id, resolver in resolvers.items():
        resolver.lock(
            [
                sender
                for _, channel, batch in parsed
                if channel is not None
                and batch is not None
                and channel.workspace_id == workspace_id
                for sender in apply.own_senders(channel, batch)
            ]
        )
    inbound, statuses = InboundBuffer(), StatusBuffer()
    with db.session.no_autoflush:  # contact/conversation changes go out once, at commit
        applied = [
            (row.id, apply_event(row, channel, batch, resolvers, inbound, statuses))
            for row, channel, batch in parsed
        ]
        media_ids = inbound.flush()
    resends = handle_failed_statuses(statuses.flush())
    resends += [(channel_id, 0.0) for channel_id in inbound.replies]  # confirmations
    templates = released_by_templates(applied)
    resends += [(channel_id, 0.0) for channel_id in templates.released]
    # The batch's contacts and conversations, and its events' outcomes: one
    # UPDATE each instead of one per row (no autoflush: it would write them
    # row by row first).
    with db.session.no_autoflush:
        update_changed_at_once(Conversation)
        update_changed_at_once(Contact)
        bulk_update(
            events,
            [outcome(event_id, result) for event_id, result in applied],
            attempts=events.c.attempts + 1,
            processed_at=utcnow(),
        )
    arrived: Counter[int] = Counter()
    rereads = set()
    for row, result in zip(rows, (result for _, result in applied), strict=True):
        if isinstance(result, apply.ApplyResult):
            arrived[row.channel_id] += result.arrived
            if result.reread_level:
                rereads.add(row.channel_id)
    return FollowUps(
        media_ids,
        resends,
        inbound.touched | statuses.touched | templates.touched,
        +arrived,
        rereads,
        inbound.arrivals,
    )


def released_by_templates(applied: list) -> template_status.Change:
    """Messages that template status webhooks parked or released (to send, to show)."""
    change = template_status.Change()
    for _, result in applied:
        if isinstance(result, apply.ApplyResult):
            change.add(result.templates)
    return change


def apply_event(row, channel, batch, resolvers, inbound, statuses):
    """Apply one stored event; return its ApplyResult, or why it was ignored."""
    if channel is None or batch is None:
        return "channel deleted" if channel is None else "unreadable payload"
    result = apply.apply_batch(
        channel, batch, resolvers[channel.workspace_id], inbound, statuses
    )
    channel.last_webhook_at = utcnow()
    if result.foreign:
        log.warning(
            "Webhook event %s: %d items for another number skipped",
            row.id,
            result.foreign,
        )
    return result


def outcome(event_id: int, result: apply.ApplyResult | str) -> dict:
    """One event's row for the bulk state update, once the batch is written."""
    if isinstance(result, str):
        return {"id": event_id, "state": "ignored", "note": result}
    return {"id": event_id, "state": "processed", "note": result.summary()}


def requeue_stale_webhooks() -> int:
    """Schedule a drain if events wait longer than they should (lost job, dead worker)."""
    stale = db.session.scalar(
        select(func.count())
        .select_from(WebhookEvent)
        .where(
            WebhookEvent.state == "pending",
            WebhookEvent.received_at < utcnow() - STALE_AFTER,
        )
    )
    db.session.rollback()
    if stale:
        log.warning("%d webhook events waited too long; scheduling a drain", stale)
        redis_connection().delete(DRAIN_FLAG)
        schedule_processing()
    return stale
