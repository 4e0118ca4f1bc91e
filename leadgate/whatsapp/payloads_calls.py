"""Parse the `calls` webhook field (Calling API) into CallEvent dataclasses.

A call arrives as up to three kinds of item, all keyed by the call id (wacid):
`connect` when it starts ringing, `terminate` when it ends (status COMPLETED or
FAILED, with start/end time and duration once it was answered) and, for calls the
business places, `statuses[]` of type "call" (RINGING, ACCEPTED, REJECTED). Order
is not guaranteed and each may be delivered twice. Pure functions, like payloads.py.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import payloads_limits as limits
from .payloads import (
    Identity,
    WebhookBatch,
    _attempt,
    _Change,
    _collect,
    _error_event,
    _errors,
    _identity,
    _ItemError,
    _phone_number_id,
    _reject,
    _required,
    _required_object,
    _string,
    _timestamp,
    _wa_id,
)

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


def parse_calls(batch: WebhookBatch, change: _Change, value: dict, into: list) -> None:
    """Collect a `calls` change: its calls[], call statuses[] and errors[]."""
    if not {"calls", "statuses", "errors"} & value.keys():
        _reject(batch, change, "value has no calls, statuses or errors", value)
    if "calls" in value:
        _collect(batch, change, value["calls"], _call, into)
    if "statuses" in value:
        _collect(batch, change, value["statuses"], _call_status, into)
    if "errors" in value:
        _attempt(batch, change, _error_event, value["errors"], batch.errors)


def _call(item: Any, change: _Change) -> CallEvent:
    call = _required_object(item, "call")
    user_initiated = _user_initiated(call, change)
    if user_initiated:
        contact = _identity(call.get("from"), call.get("from_user_id"), change)
    else:
        contact = _identity(call.get("to"), call.get("to_user_id"), change)
    if contact.wa_id is None and contact.bsuid is None:
        raise _ItemError("call has no WhatsApp user")
    return CallEvent(
        phone_number_id=_phone_number_id(change),
        waba_id=change.waba_id,
        call_id=_required(call, "id", limits.WAMID),  # stored as the call's wamid
        event=_required(call, "event", None),
        user_initiated=user_initiated,
        timestamp=_timestamp(call.get("timestamp")),
        contact=contact,
        status=_string(call.get("status")),
        started_at=_optional_time(call.get("start_time")),
        ended_at=_optional_time(call.get("end_time")),
        duration=_seconds(call.get("duration")),
        errors=_errors(call.get("errors")),
        raw=call,
    )


def _call_status(item: Any, change: _Change) -> CallEvent:
    # Only calls the business places get these (ringing, accepted, rejected).
    status = _required_object(item, "call status")
    contact = _identity(
        status.get("recipient_id"), status.get("recipient_user_id"), change
    )
    if contact.wa_id is None and contact.bsuid is None:
        raise _ItemError("call status has no recipient")
    return CallEvent(
        phone_number_id=_phone_number_id(change),
        waba_id=change.waba_id,
        call_id=_required(status, "id", limits.WAMID),
        event="status",
        user_initiated=False,
        timestamp=_timestamp(status.get("timestamp")),
        contact=contact,
        status=_string(status.get("status")),
        errors=_errors(status.get("errors")),
        raw=status,
    )


def _user_initiated(call: dict, change: _Change) -> bool:
    direction = _string(call.get("direction"))
    if direction in (USER_INITIATED, BUSINESS_INITIATED):
        return direction == USER_INITIATED
    # Older payloads name no direction: the business calls from its own number.
    business = _wa_id(change.display_phone_number)
    return business is None or _wa_id(call.get("from")) != business


def _optional_time(value: Any) -> datetime | None:
    try:
        return _timestamp(value) if value is not None else None
    except _ItemError:
        return None  # a malformed detail does not lose the call


def _seconds(value: Any) -> int | None:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None
