"""Calls (Calling API) in the thread: one row per call, idempotent, window-opening.

A call is stored as a Message of type "call" whose wamid is the call id, so the
unique (channel, wamid) keeps a duplicate webhook from adding a second row, as
for messages. A call the contact places is direction "in": the one window rule
(outbound/rules.window_closes_at: the latest inbound item of the contact) counts
it like a message, which is Meta's rule — a call opens the 24-hour window, even
when nobody answered. A call the business places is "out" and opens nothing.
Later events of a stored call (answered, ended) only update details["call"].
"""

from datetime import datetime

from sqlalchemy import select

from ..dbutil import one_of
from ..extensions import db
from ..models import Message
from ..whatsapp.payloads.calls import CallEvent
from ..whatsapp.payloads.messages import InboundMessage

CALL = "call"
# Events of one call in their natural order; a late earlier one fills gaps only.
STAGES = {"connect": 0, "status": 1, "terminate": 2}
STATUS_OUTCOMES = {"ACCEPTED": "answered", "REJECTED": "missed"}


def call_message(call: CallEvent) -> InboundMessage:
    """The call as the message row the inbound buffer stores (or merges)."""
    return InboundMessage(
        phone_number_id=call.phone_number_id,
        display_phone_number=None,
        waba_id=call.waba_id,
        wamid=call.call_id,
        type=CALL,
        # When it rang or, if we only hear of its end, when it was answered.
        timestamp=call.started_at or call.timestamp,
        sender=call.contact,
        details={CALL: call_state(call)},
        # The SDP of `connect` lists the caller's network addresses: not kept.
        raw={key: value for key, value in call.raw.items() if key != "session"},
    )


def call_state(call: CallEvent) -> dict:
    """What the thread shows of a call: who called, answered or missed, how long."""
    duration = call.duration
    if duration is None and call.started_at and call.ended_at:
        duration = max(0, int((call.ended_at - call.started_at).total_seconds()))
    state: dict = {
        "direction": "in" if call.user_initiated else "out",
        "event": call.event,
        "status": call.status,
        "outcome": outcome(call, duration),
    }
    if duration is not None:
        state["duration"] = duration
    for key, moment in (("started_at", call.started_at), ("ended_at", call.ended_at)):
        if moment is not None:
            state[key] = iso(moment)
    if call.errors:
        state["errors"] = list(call.errors)
    return state


def outcome(call: CallEvent, duration: int | None) -> str:
    """ringing | answered | missed; a call that ended after talking was answered."""
    if call.event == "terminate":
        return "answered" if duration else "missed"
    if call.event == "status":
        return STATUS_OUTCOMES.get((call.status or "").upper(), "ringing")
    return "ringing"


def merged(stored: dict, new: dict) -> dict:
    """A later event wins; an earlier one arriving late only fills what is missing."""
    if STAGES.get(new.get("event"), 0) >= STAGES.get(stored.get("event"), 0):
        return {**stored, **new}
    return {**new, **stored}


def merge_calls(items: list) -> set[tuple[int, int]]:
    """Apply later events of calls already stored; return (workspace, conversation)."""
    wanted: dict[int, set[str]] = {}
    for item in items:
        wanted.setdefault(item.channel.id, set()).add(item.message.wamid)
    rows = {
        (row.channel_id, row.wamid): row
        for channel_id, wamids in wanted.items()
        for row in db.session.scalars(
            select(Message).where(
                Message.channel_id == channel_id,
                one_of(Message.wamid, wamids),
                Message.type == CALL,
            )
        )
    }
    touched = set()
    for item in items:
        row = rows.get((item.channel.id, item.message.wamid))
        if row is None:
            continue  # the id belongs to something else: keep that untouched
        details = row.details or {}
        call = merged(details.get(CALL) or {}, item.message.details[CALL])
        row.details = {**details, CALL: call}
        touched.add((row.workspace_id, row.conversation_id))
    return touched


def iso(moment: datetime) -> str:
    return moment.isoformat()
