"""Calls (Calling API): the `calls` webhooks of one call, as Meta sends them.

A call the contact places opens the service window at once, answered or not,
so a free-form reply afterwards is accepted here as at Meta. The emulator
plays no audio: `outcome` says whether the business answered and for how long.
"""

import secrets

from .envelopes import messages_envelope
from .inbound import sender_from
from .models import Number, digits
from .state import Emulator
from .webhooks import dispatch

EVENTS = ("connect", "terminate")
RING_SECONDS = 5
# What a connect carries for WebRTC; real ones list the caller's addresses.
SAMPLE_SDP = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"


def new_call_id() -> str:
    return "wacid." + secrets.token_urlsafe(24)


def inject_call(emulator: Emulator, number: Number, params: dict) -> dict:
    """Send the connect and/or terminate webhook of one call; return their bodies."""
    sender = sender_from(params)
    user_initiated = str(params.get("direction", "user")).lower() in (
        "user",
        "user_initiated",
    )
    events = params.get("events") or list(EVENTS)
    if not isinstance(events, list) or not set(events) <= set(EVENTS):
        raise ValueError(f"events must be a list of {', '.join(EVENTS)}")
    call_id = str(params.get("id") or new_call_id())
    start = int(params.get("timestamp") or emulator.clock.now())
    if user_initiated:
        keys = [key for key in (sender.wa_id, sender.user_id) if key]
        emulator.store.open_window(number.phone_number_id, keys, start)
    webhooks, deliveries = [], []
    for event in events:
        item = call_item(number, sender, call_id, user_initiated, start, event, params)
        value = {"contacts": [sender.contact()], "calls": [item]}
        body = messages_envelope(number, value)
        body["entry"][0]["changes"][0]["field"] = "calls"
        webhooks.append(body)
        if params.get("deliver", True):
            deliveries += dispatch(emulator, [number], body)
    return {"call_id": call_id, "webhooks": webhooks, "deliveries": deliveries}


def call_item(
    number: Number,
    sender,
    call_id: str,
    user_initiated: bool,
    start: int,
    event: str,
    params: dict,
) -> dict:
    business = {"to" if user_initiated else "from": digits(number.display_phone_number)}
    customer = sender.from_fields()  # from / from_user_id
    if not user_initiated:
        customer = {key.replace("from", "to"): value for key, value in customer.items()}
    item = {
        "id": call_id,
        **customer,
        **business,
        "event": event,
        "timestamp": str(start),
        "direction": "USER_INITIATED" if user_initiated else "BUSINESS_INITIATED",
    }
    if event == "connect":
        sdp_type = "offer" if user_initiated else "answer"
        item["session"] = {"sdp_type": sdp_type, "sdp": SAMPLE_SDP}
        return item
    answered = params.get("outcome", "answered") == "answered"
    duration = int(params.get("duration", 95)) if answered else 0
    answered_at = start + RING_SECONDS
    end = answered_at + duration if answered else start + 30
    item.update(timestamp=str(end), status="COMPLETED" if answered else "FAILED")
    if answered:
        item.update(start_time=str(answered_at), end_time=str(end), duration=duration)
    return item
