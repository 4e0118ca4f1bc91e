"""Status webhooks (sent → delivered → read) for the messages a business sends."""

from functools import partial

from .envelopes import messages_envelope, status_item, webhook_errors
from .errors import title
from .models import SentMessage
from .recipients import Fate, fate_for, schedule_reply
from .state import Emulator
from .webhooks import dispatch

STATUS_ORDER = ("sent", "delivered", "read")
STATUSES = (*STATUS_ORDER, "failed", "played")


def schedule_statuses(emulator: Emulator, message: SentMessage) -> None:
    """Schedule the configured statuses; delays count from the send request.

    The recipient's fate (recipients.py) drops the statuses its phone would not
    produce and may add an answer after the read.
    """
    fate = fate_for(emulator, message)
    steps = status_steps(emulator, message, fate)
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
    read_at = dict(steps).get("read")
    if fate.replies and read_at is not None:
        schedule_reply(emulator, message, read_at)


def status_steps(
    emulator: Emulator, message: SentMessage, fate: Fate
) -> list[tuple[str, float]]:
    """(status, delay) for each configured status the recipient's phone produces."""
    delays = emulator.settings.status_delays
    steps = [
        (status, delay)
        for status in STATUS_ORDER
        if (delay := delays.get(status)) is not None and fate.allows(status)
    ]
    if message.type == "reaction":
        steps = [step for step in steps if step[0] == "sent"]  # Meta sends no more
    return steps


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
