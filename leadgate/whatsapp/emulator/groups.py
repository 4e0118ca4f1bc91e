"""Groups API webhooks: group messages and statuses, lifecycle, participants.

Group messages and their statuses ride in the `messages` field, marked by
`group_id` and `recipient_type: "group"`; the rest has group_* fields of its own.
"""

import secrets

from .envelopes import messages_envelope
from .ids import new_wamid
from .inbound import sender_from
from .models import Number
from .state import Emulator
from .webhooks import dispatch

KINDS = ("message", "status", "lifecycle", "participants")


def new_group_id() -> str:
    return secrets.token_urlsafe(40).replace("-", "A").replace("_", "B")


def inject_group(emulator: Emulator, number: Number, params: dict) -> dict:
    """Send one group webhook of the given kind; return its body."""
    kind = params.get("kind", "message")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    group_id = str(params.get("group_id") or new_group_id())
    member = sender_from(params)  # the participant who writes or joins
    now = str(int(params.get("timestamp") or emulator.clock.now()))
    field, value = BUILDERS[kind](group_id, member, now, params)
    body = messages_envelope(number, value)
    body["entry"][0]["changes"][0]["field"] = field
    deliveries = (
        dispatch(emulator, [number], body) if params.get("deliver", True) else []
    )
    return {"group_id": group_id, "webhook": body, "deliveries": deliveries}


def _message(group_id: str, member, now: str, params: dict) -> tuple[str, dict]:
    item = {
        **member.from_fields(),
        "group_id": group_id,
        "id": new_wamid(member.key),
        "timestamp": now,
        "type": "text",
        "text": {"body": str(params.get("text", "Was meint ihr dazu?"))},
    }
    return "messages", {"contacts": [member.contact()], "messages": [item]}


def _status(group_id: str, member, now: str, params: dict) -> tuple[str, dict]:
    status = {
        "id": str(params.get("message_id") or new_wamid(group_id[:12])),
        "status": str(params.get("status", "read")),
        "timestamp": now,
        "recipient_id": group_id,
        "recipient_type": "group",
    }
    if member.wa_id:
        status["recipient_participant_id"] = member.wa_id
    return "messages", {"statuses": [status]}


def _lifecycle(group_id: str, member, now: str, params: dict) -> tuple[str, dict]:
    group = {
        "timestamp": now,
        "group_id": group_id,
        "type": "group_create",
        "request_id": secrets.token_hex(16),
        "subject": str(params.get("subject", "Kundenrunde Frühjahr")),
        "invite_link": "https://chat.whatsapp.com/" + secrets.token_urlsafe(16),
        "join_approval_mode": "auto_approve",
    }
    return "group_lifecycle_update", {"groups": [group]}


def _participants(group_id: str, member, now: str, params: dict) -> tuple[str, dict]:
    joined = {"input": member.key}
    if member.wa_id:
        joined["wa_id"] = member.wa_id
    group = {
        "timestamp": now,
        "group_id": group_id,
        "type": "group_participants_add",
        "reason": "invite_link",
        "added_participants": [joined],
    }
    return "group_participants_update", {"groups": [group]}


BUILDERS = {
    "message": _message,
    "status": _status,
    "lifecycle": _lifecycle,
    "participants": _participants,
}
