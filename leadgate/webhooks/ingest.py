"""From stored webhook to inbox: claim pending events in batches and apply them once.

The POST handler commits each body as a WebhookEvent before answering 200, then asks
for a drain job on the high-priority queue. Drains claim pending events with
FOR UPDATE SKIP LOCKED (so several workers share the load without overlap), apply
them and mark them processed in the same transaction: a worker that dies mid-way
leaves its events pending, and the sweeper schedules them again.
"""

import json
import logging
from datetime import timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..jobs import in_app_context
from ..models import Channel, WebhookEvent, utcnow
from ..queue import enqueue, redis_connection
from ..whatsapp.payloads import PayloadError, parse_webhook
from . import apply

log = logging.getLogger(__name__)

BATCH_SIZE = 200
MAX_BATCHES_PER_JOB = 50
MAX_ATTEMPTS = 5
DRAIN_FLAG = "leadgate:webhooks:drain-scheduled"
STALE_AFTER = timedelta(seconds=60)


def schedule_processing() -> None:
    """Make sure one drain job is queued; cheap when one already is."""
    try:
        if redis_connection().set(DRAIN_FLAG, "1", nx=True, ex=30):
            enqueue(process_pending_webhooks, queue="high", retry=None)
    except Exception:  # Redis down: the event is stored; the sweeper catches up
        log.exception("Could not schedule webhook processing")


@in_app_context
def process_pending_webhooks() -> int:
    """Drain pending webhook events in batches; return how many were handled."""
    # Clear the flag first: an event stored after this line schedules a new drain.
    redis_connection().delete(DRAIN_FLAG)
    handled = 0
    for _ in range(MAX_BATCHES_PER_JOB):
        count = process_batch()
        handled += count
        if count < BATCH_SIZE:
            return handled
    schedule_processing()  # more waiting: hand over to a fresh job
    return handled


def claim_pending(limit: int) -> list[WebhookEvent]:
    query = (
        select(WebhookEvent)
        .where(WebhookEvent.state == "pending", WebhookEvent.attempts < MAX_ATTEMPTS)
        .order_by(WebhookEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(db.session.scalars(query))


def process_batch(limit: int = BATCH_SIZE) -> int:
    """Apply one batch in one transaction; isolate a failing event if the batch fails."""
    events = claim_pending(limit)
    if not events:
        db.session.rollback()
        return 0
    ids = [event.id for event in events]
    try:
        media_ids = apply_events(events)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception(
            "Webhook batch failed; retrying its %d events one by one", len(ids)
        )
        media_ids = process_one_by_one(ids)
    apply.enqueue_media_downloads(media_ids)
    return len(ids)


def process_one_by_one(ids: list[int]) -> list[int]:
    media_ids: list[int] = []
    for event_id in ids:
        event = db.session.get(WebhookEvent, event_id, with_for_update=True)
        if event is None or event.state != "pending":
            db.session.rollback()
            continue
        try:
            media_ids += apply_events([event])
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            mark_failed(event_id, type(error).__name__)
    return media_ids


def mark_failed(event_id: int, reason: str) -> None:
    event = db.session.get(WebhookEvent, event_id)
    event.attempts += 1
    event.note = f"error: {reason}"[:255]
    if event.attempts >= MAX_ATTEMPTS:
        event.state = "failed"
    db.session.commit()
    log.error(
        "Webhook event %s failed (%s), attempt %s", event_id, reason, event.attempts
    )


def apply_events(events: list[WebhookEvent]) -> list[int]:
    """Apply events to their channels; return ids of messages whose media to fetch."""
    channels = {
        channel.id: channel
        for channel in db.session.scalars(
            select(Channel).where(
                Channel.id.in_({e.channel_id for e in events if e.channel_id})
            )
        )
    }
    media_ids: list[int] = []
    now = utcnow()
    for event in events:
        channel = channels.get(event.channel_id)
        event.attempts += 1
        event.processed_at = now
        if channel is None:
            event.state, event.note = "ignored", "channel deleted"
            continue
        try:
            batch = parse_webhook(json.loads(event.body))
        except (ValueError, PayloadError) as error:
            event.state, event.note = "ignored", f"unreadable: {type(error).__name__}"
            continue
        result = apply.apply_batch(channel, batch)
        channel.last_webhook_at = now
        media_ids += result.media_message_ids
        event.state = "processed"
        event.note = result.summary()
        if result.foreign:
            log.warning(
                "Webhook event %s: %d items for another number skipped",
                event.id,
                result.foreign,
            )
    return media_ids


@in_app_context
def requeue_stale_webhooks() -> int:
    """Schedule a drain if events wait longer than they should (lost job, dead worker)."""
    stale = db.session.scalar(
        select(func.count())
        .select_from(WebhookEvent)
        .where(
            WebhookEvent.state == "pending",
            WebhookEvent.attempts < MAX_ATTEMPTS,
            WebhookEvent.received_at < utcnow() - STALE_AFTER,
        )
    )
    db.session.rollback()
    if stale:
        log.warning("%d webhook events waited too long; scheduling a drain", stale)
        redis_connection().delete(DRAIN_FLAG)
        schedule_processing()
    return stale
