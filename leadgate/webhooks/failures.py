"""Webhook events a drain could not apply: recorded, shown, sent back on request.

An event that raises while applied alone is not retried in a loop: a bug or a
payload we cannot store fails the same way every time. It is marked `failed`
with the exception's class (never its message: database errors quote the values
they choke on, i.e. personal data) and waits on the platform admin's page until
the cause is fixed and someone chooses "erneut verarbeiten".

A database that is briefly away is different: the same event will apply once
it is back. Such errors leave the event pending for a few more tries.
"""

import logging
import traceback

from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError

from .. import metrics
from ..extensions import db
from ..models import WebhookEvent, utcnow
from ..retry import WEBHOOK_EVENT

log = logging.getLogger(__name__)

MAX_TRANSIENT_ATTEMPTS = WEBHOOK_EVENT.attempts
PAGE_SIZE = 200

events = WebhookEvent.__table__


# PEP 249's exception classes: every driver's errors derive from one of them.
DBAPI_CATEGORIES = (
    "IntegrityError",
    "DataError",
    "OperationalError",
    "ProgrammingError",
    "InternalError",
    "NotSupportedError",
    "InterfaceError",
    "DatabaseError",
)


def error_class(error: BaseException) -> str:
    """The class name; for database errors with its PEP 249 kind (IntegrityError/…).

    Some statements go to psycopg directly (bulk inserts), so driver errors
    arrive both wrapped by SQLAlchemy and bare: both get the same name.
    """
    if isinstance(error, DBAPIError) and error.orig is not None:
        error = error.orig
    name = type(error).__name__
    kind = _dbapi_kind(error)
    return (f"{kind}/{name}" if kind and kind != name else name)[:128]


def _dbapi_kind(error: BaseException) -> str | None:
    names = (cls.__name__ for cls in type(error).__mro__)
    return next((name for name in names if name in DBAPI_CATEGORIES), None)


def is_transient(error: BaseException) -> bool:
    """Lost connections, timeouts, deadlocks: worth another try later."""
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig if error.orig is not None else error
    if isinstance(error, TimeoutError):
        return True
    return _dbapi_kind(error) in ("OperationalError", "InterfaceError")


def record_failure(event_id: int, error: BaseException) -> bool:
    """Record a failed application (own transaction); return whether it is final."""
    event = db.session.get(WebhookEvent, event_id)
    if event is None:
        return False
    event.attempts += 1
    event.failures += 1
    event.error_class = error_class(error)
    event.failed_at = utcnow()
    final = not is_transient(error) or event.attempts >= MAX_TRANSIENT_ATTEMPTS
    if final:
        event.state, event.note = "failed", f"error: {event.error_class}"[:255]
    db.session.commit()
    if final:
        metrics.WEBHOOK_DRAIN_FAILURES.inc()
    # Where it broke, without the message (it may quote personal data).
    log.error(
        "Webhook event %s not applied (%s, failure %s)%s:\n%s",
        event_id,
        event.error_class,
        event.failures,
        "; marked failed" if final else "; will be retried",
        "".join(traceback.format_tb(error.__traceback__)),
    )
    return final


def failed_events(limit: int = PAGE_SIZE) -> list[WebhookEvent]:
    """The newest failed events, for the admin page (bodies stay in the database)."""
    return list(
        db.session.scalars(
            select(WebhookEvent)
            .where(WebhookEvent.state == "failed")
            .order_by(WebhookEvent.failed_at.desc(), WebhookEvent.id.desc())
            .limit(limit)
        )
    )


def failed_count() -> int:
    return db.session.scalar(select(func.count()).where(WebhookEvent.state == "failed"))


def requeue(event_ids: list[int] | None = None) -> list[int]:
    """Failed events back to pending (all, or these); the caller commits and drains."""
    query = update(events).where(events.c.state == "failed")
    if event_ids is not None:
        query = query.where(events.c.id.in_(event_ids))
    requeued = db.session.scalars(
        query.values(state="pending", attempts=0, note=None).returning(events.c.id)
    ).all()
    return sorted(requeued)
