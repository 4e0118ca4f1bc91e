"""Parse the `calls` webhook field (Calling API) into CallEvent dataclasses.

A call arrives as up to three kinds of item, all keyed by the call id (wacid):
`connect` when it starts ringing, `terminate` when it ends (status COMPLETED or
FAILED, with start/end time and duration once it was answered) and, for calls the
business places, `statuses[]` of type "call" (RINGING, ACCEPTED, REJECTED). Order
is not guaranteed and each may be delivered twice.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import limits
from .items import (
    Change,
    Identity,
    attempt,
    collect,
    error_event,
    identity,
    phone_number_id,
    reject,
)
from .values import (
    ItemError,
    as_str,
    errors,
    required,
    required_object,
    timestamp,
    wa_id,
)

if TYPE_CHECKING:  # batch.py dispatches to this module
    from .batch import WebhookBatch

USER_INITIATED = "USER_INITIATED"
BUSINESS_INITIATED = "BUSINESS_INITIATED"


@dataclass(frozen=True)
class CallEvent:
    phone_number_id: str
    waba_id: str
    call_id: str  # "wacid.…", the same for every event of one call
    event: str  # connect | terminate | status, or what Meta adds later
    user_initiated: bool  # the contact called (only such calls open the window)
    timestamp: datetime
    contact: Identity  # the WhatsApp user on the other end, whoever called
    status: str | None = None  # COMPLETED/FAILED (terminate), RINGING/… (status)
    started_at: datetime | None = None
    ended_at: datetime | None = None
    duration: int | None = None  # seconds, once the call was answered
    errors: tuple[dict, ...] = ()
    raw: dict = field(default_factory=dict)


def parse_calls(batch: "WebhookBatch", change: Change, value: dict) -> None:
    """Collect a `calls` change: its calls[], call statuses[] and errors[]."""
    if not {"calls", "statuses", "errors"} & value.keys():
        reject(batch, change, "value has no calls, statuses or errors", value)
    if "calls" in value:
        collect(batch, change, value["calls"], _call, batch.calls)
    if "statuses" in value:
        collect(batch, change, value["statuses"], _call_status, batch.calls)
    if "errors" in value:
        attempt(batch, change, error_event, value["errors"], batch.errors)


def _call(item: Any, change: Change) -> CallEvent:
    call = required_object(item, "call")
    user_initiated = _user_initiated(call, change)
    if user_initiated:
        contact = identity(call.get("from"), call.get("from_user_id"), change)
    else:
        contact = identity(call.get("to"), call.get("to_user_id"), change)
    if contact.wa_id is None and contact.bsuid is None:
        raise ItemError("call has no WhatsApp user")
    return CallEvent(
        phone_number_id=phone_number_id(change),
        waba_id=change.waba_id,
        call_id=required(call, "id", limits.WAMID),  # stored as the call's wamid
        event=required(call, "event", None),
        user_initiated=user_initiated,
        timestamp=timestamp(call.get("timestamp")),
        contact=contact,
        status=as_str(call.get("status")),
        started_at=_optional_time(call.get("start_time")),
        ended_at=_optional_time(call.get("end_time")),
        duration=_seconds(call.get("duration")),
        errors=errors(call.get("errors")),
        raw=call,
    )


def _call_status(item: Any, change: Change) -> CallEvent:
    # Only calls the business places get these (ringing, accepted, rejected).
    status = required_object(item, "call status")
    contact = identity(
        status.get("recipient_id"), status.get("recipient_user_id"), change
    )
    if contact.wa_id is None and contact.bsuid is None:
        raise ItemError("call status has no recipient")
    return CallEvent(
        phone_number_id=phone_number_id(change),
        waba_id=change.waba_id,
        call_id=required(status, "id", limits.WAMID),
        event="status",
        user_initiated=False,
        timestamp=timestamp(status.get("timestamp")),
        contact=contact,
        status=as_str(status.get("status")),
        errors=errors(status.get("errors")),
        raw=status,
    )


def _user_initiated(call: dict, change: Change) -> bool:
    direction = as_str(call.get("direction"))
    if direction in (USER_INITIATED, BUSINESS_INITIATED):
        return direction == USER_INITIATED
    # Older payloads name no direction: the business calls from its own number.
    business = wa_id(change.display_phone_number)
    return business is None or wa_id(call.get("from")) != business


def _optional_time(value: Any) -> datetime | None:
    try:
        return timestamp(value) if value is not None else None
    except ItemError:
        return None  # a malformed detail does not lose the call


def _seconds(value: Any) -> int | None:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None
