"""Status webhooks (sent → delivered → read) for the messages a business sends."""

from functools import partial

from .envelopes import messages_envelope, status_item, webhook_errors
from .errors import title
from .models import SentMessage
from .state import Emulator
from .webhooks import dispatch

STATUS_ORDER = ("sent", "delivered", "read")
STATUSES = (*STATUS_ORDER, "failed", "played")


def schedule_statuses(emulator: Emulator, message: SentMessage) -> None:
    """Schedule the configured statuses; delays count from the send request."""
    delays = emulator.settings.status_delays
    steps = [(s, delays.get(s)) for s in STATUS_ORDER if delays.get(s) is not None]
    if message.type == "reaction":
        steps = [step for step in steps if step[0] == "sent"]  # Meta sends no more
    # Pricing rides on `sent` and on exactly one of delivered/read.
    priced = {"sent", next((s for s, _ in steps if s != "sent"), "")}
    if emulator.faults.take("webhook_out_of_order"):
        times = sorted(delay for _, delay in steps)
        steps = list(zip((s for s, _ in reversed(steps)), times, strict=True))
    for status, delay in steps:
        fire = partial(
            fire_status, emulator, message.id, status, priced=status in priced
        )
        emulator.dispatcher.call_later(delay, fire)


def fire_status(
    emulator: Emulator,
    message_id: str,
    status: str,
    *,
    priced: bool = True,
    error_code: int | None = None,
    error_details: str | None = None,
) -> dict:
    """Record one status of a sent message and deliver its webhook."""
    message = emulator.store.sent_message(message_id)
    number = emulator.store.number(message.phone_number_id) if message else None
    if message is None or number is None:
        # Also reached by a scheduled status that outlived an admin reset.
        raise LookupError(f"unknown message {message_id}")
    errors = None
    if status == "failed":
        code = error_code or 131026
        errors = webhook_errors(code, title(code), error_details or title(code))
    item = status_item(
        message, status, emulator.clock.now(), with_pricing=priced, errors=errors
    )
    emulator.store.add_status(message_id, status)
    body = messages_envelope(number, {"statuses": [item]})
    dispatch(emulator, [number], body)
    return body
