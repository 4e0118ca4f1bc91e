"""Parse statuses[] items: what became of a message the business sent."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import limits
from .items import Change, Identity, identity, phone_number_id
from .values import as_dict, as_str, errors, required, required_object, timestamp


@dataclass(frozen=True)
class StatusUpdate:
    phone_number_id: str
    waba_id: str
    wamid: str
    status: str  # sent | delivered | read | failed | played, unknown kept as given
    timestamp: datetime
    recipient: Identity
    errors: tuple[dict, ...] = ()  # each {"code", "title", "message", "details"}
    conversation: dict | None = None
    pricing: dict | None = None
    # Echo of the send request's biz_opaque_callback_data (we put our message id there).
    callback_data: str | None = None
    raw: dict = field(default_factory=dict)


def status(item: Any, change: Change) -> StatusUpdate:
    """Parse one statuses[] item."""
    received = required_object(item, "status")
    return StatusUpdate(
        phone_number_id=phone_number_id(change),
        waba_id=change.waba_id,
        wamid=required(received, "id", limits.WAMID),
        status=required(received, "status", limits.STATUS),
        timestamp=timestamp(received.get("timestamp")),
        # The wamid identifies the message: an unknown recipient is not fatal.
        # Nor is it stored (for a group it is the group's id): no bound.
        recipient=identity(
            received.get("recipient_id"),
            received.get("recipient_user_id"),
            change,
            stored=False,
        ),
        errors=errors(received.get("errors")),
        conversation=as_dict(received.get("conversation")) or None,
        pricing=as_dict(received.get("pricing")) or None,
        callback_data=as_str(received.get("biz_opaque_callback_data")),
        raw=received,
    )
