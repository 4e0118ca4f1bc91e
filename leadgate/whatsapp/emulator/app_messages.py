"""Coexistence: what the WhatsApp Business app on the same number reports.

`smb_message_echoes` carries a message the team typed in the app just now (from
the business, to the customer); `history` the chats of the months before the
number joined the Cloud API, in chunks of threads. Both reuse the inbound
builders for the message content, so every type the emulator sends works here.
"""

import uuid

from .envelopes import messages_envelope
from .inbound import build_message, sender_from
from .models import Number, Pricing, SentMessage, digits
from .state import Emulator
from .statuses import schedule_statuses
from .webhooks import dispatch

DAY = 24 * 60 * 60
HISTORY_DECLINED = {
    "code": 2593109,
    "title": "History sharing declined",
    "message": "History sharing declined",
    "error_data": {"details": "The business declined to share its chat history."},
}


def inject_echo(emulator: Emulator, number: Number, params: dict) -> dict:
    """The team sent a message from the app: record it, send its echo webhook."""
    customer = sender_from({**params, "from": params.get("to")})
    item = app_item(emulator, number, customer, params, outbound=True)
    message = SentMessage(
        id=item["id"],
        phone_number_id=number.phone_number_id,
        recipient=customer.key,
        recipient_is_bsuid=customer.wa_id is None,
        type=item["type"],
        payload={"type": item["type"], item["type"]: item.get(item["type"], {})},
        timestamp=float(item["timestamp"]),
        version=str(params.get("version", "v25.0")),
        pricing=Pricing("service", "free_customer_service", billable=False),
        conversation_id=uuid.uuid4().hex,
    )
    emulator.store.add_sent(message)  # so /_admin/statuses can report on it
    if params.get("statuses"):
        schedule_statuses(emulator, message)
    body = field_body(number, "smb_message_echoes", {"message_echoes": [item]})
    return {
        "message_id": item["id"],
        "webhook": body,
        **deliver(emulator, number, body, params),
    }


def inject_history(emulator: Emulator, number: Number, params: dict) -> dict:
    """One history chunk: given threads, a sample thread, or the refusal to share."""
    metadata = {
        "phase": int(params.get("phase", 0)),
        "chunk_order": int(params.get("chunk_order", 1)),
        "progress": int(params.get("progress", 100)),
    }
    if params.get("declined"):
        chunk = {"metadata": metadata, "errors": [HISTORY_DECLINED]}
    else:
        threads = params.get("threads") or sample_threads(emulator)
        if not isinstance(threads, list):
            raise ValueError("threads must be a list")
        chunk = {
            "metadata": metadata,
            "threads": [history_thread(emulator, number, t) for t in threads],
        }
    body = field_body(number, "history", {"history": [chunk]})
    return {"webhook": body, **deliver(emulator, number, body, params)}


def history_thread(emulator: Emulator, number: Number, thread: dict) -> dict:
    customer = sender_from({"from": thread.get("wa_id"), "name": thread.get("name")})
    messages = []
    for entry in thread.get("messages") or []:
        outbound = entry.get("direction") == "out"
        item = app_item(emulator, number, customer, entry, outbound=outbound)
        if entry.get("without_media_id"):
            media = item.get(item["type"], {})
            for key in ("id", "sha256", "url"):
                media.pop(key, None)  # synced before its file, like Meta's phase 1+
        status = entry.get("status", "READ" if outbound else "DELIVERED")
        item["history_context"] = {"status": str(status).upper()}
        messages.append(item)
    return {"id": customer.wa_id, "messages": messages}


def sample_threads(emulator: Emulator) -> list[dict]:
    """A short past chat with the default contact, a few days old."""
    start = int(emulator.clock.now()) - 3 * DAY
    return [
        {
            "messages": [
                {"text": "Haben Sie den Tisch noch?", "timestamp": start},
                {
                    "direction": "out",
                    "text": "Ja, in Eiche und Nussbaum.",
                    "timestamp": start + 600,
                },
                {"text": "Danke, ich melde mich!", "timestamp": start + 900},
            ]
        }
    ]


def app_item(
    emulator: Emulator, number: Number, customer, params: dict, outbound: bool
) -> dict:
    """A messages[] item, turned around when the business sent it (from → to)."""
    _, item = build_message(emulator, number, customer, params)
    if outbound:
        for key in ("from", "from_user_id"):
            item.pop(key, None)
        to = {"to": customer.wa_id} if customer.wa_id else {}
        if customer.user_id:
            to["to_user_id"] = customer.user_id
        item = {"from": digits(number.display_phone_number), **to, **item}
    return item


def field_body(number: Number, field: str, value: dict) -> dict:
    body = messages_envelope(number, value)
    body["entry"][0]["changes"][0]["field"] = field
    return body


def deliver(emulator: Emulator, number: Number, body: dict, params: dict) -> dict:
    if not params.get("deliver", True):
        return {"deliveries": []}
    return {"deliveries": dispatch(emulator, [number], body)}
