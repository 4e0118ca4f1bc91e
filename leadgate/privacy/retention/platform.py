"""The purge's platform-wide part: records of the platform itself, not of a workspace.

Periods come from the configuration (config.py), except the raw webhook data:
bodies as Meta sent them hold message texts and phone numbers; they are kept
only to reprocess or debug a delivery, which happens within days, so processed
ones go after WEBHOOK_BODY_RETENTION_DAYS.
"""

from datetime import datetime, timedelta

from flask import current_app

from ... import audit
from ...auth import devices, sessions
from ...models import (
    AccessLog,
    ChannelEvent,
    CookieConsent,
    Inquiry,
    LoginSession,
    RememberedDevice,
    User,
    WebhookEvent,
)
from .batches import commit, count, delete_rows

# Processed, ignored and failed webhook bodies, and the account-level webhook
# events (quality updates, errors, items we could not read, which may quote a
# message); pending ones stay until the ingest has dealt with them.
WEBHOOK_BODY_RETENTION_DAYS = 30
# Each deleted user row sets its authorship to NULL across messages, notes
# and audit events: a few per statement keep each transaction short.
USER_BATCH = 50


def platform_rules(now: datetime) -> dict[str, tuple]:
    """Kind -> (model, conditions); access logs before the accounts they belong to."""
    config = current_app.config

    def before(days: int) -> datetime:
        return now - timedelta(days=days)

    webhooks = before(WEBHOOK_BODY_RETENTION_DAYS)
    logins = before(config["ENDED_SESSION_RETENTION_DAYS"])
    return {
        "access_logs": (
            AccessLog,
            AccessLog.created_at < before(config["ACCESS_LOG_RETENTION_DAYS"]),
        ),
        "cookie_consents": (
            CookieConsent,
            CookieConsent.created_at < before(config["COOKIE_CONSENT_RETENTION_DAYS"]),
        ),
        "inquiries": (
            Inquiry,
            Inquiry.created_at < before(config["INQUIRY_RETENTION_DAYS"]),
        ),
        "webhook_events": (
            WebhookEvent,
            WebhookEvent.received_at < webhooks,
            WebhookEvent.state != "pending",
        ),
        "channel_events": (ChannelEvent, ChannelEvent.created_at < webhooks),
        "login_sessions": (LoginSession, sessions.purgeable(logins)),
        "remembered_devices": (RememberedDevice, devices.purgeable(logins)),
        # Anonymised at once when deleted (privacy/accounts.py); the row goes now.
        "accounts": (
            User,
            User.deleted_at < before(config["DELETED_ACCOUNT_GRACE_DAYS"]),
        ),
    }


def purge_platform(now: datetime, dry_run: bool = False, **details) -> dict:
    """Delete (or count) the expired platform records; record one audit event."""
    counts = {}
    for kind, (model, *conditions) in platform_rules(now).items():
        if dry_run:
            counts[kind] = count(model, *conditions)
        else:
            size = USER_BATCH if model is User else 0
            counts[kind] = delete_rows(model, *conditions, size=size)
    if not dry_run:
        audit.record(None, "purge.run", **counts, **details)
        commit()
    return counts
