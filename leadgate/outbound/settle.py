"""What a send error does to its message: send again, wait, hold back or fail.

One set of rules for the send answer (answers.handle_error) and for a `failed`
status webhook (recovery.handle_failed_statuses):

- Meta's pace (130429 throughput reached, 131057 the number being upgraded):
  back to `queued` until the number's pace allows a send (throughput.py), without
  using up an attempt and never failed: the message was fine, the number busy;
- temporary errors: back to `queued` after a backoff, a bounded number of times;
- 131049, Meta's per-user marketing limit: `limited`. Not a failure of ours and
  not retried by the backoff (Meta: not within 24 hours); the agent may send it
  again later ("Erneut senden"), and the thread says from when that makes sense;
- 132015, the template is paused: the message waits (`paused`), neither sent
  nor failed, and goes out when the template is approved again (template_status);
- everything else: `failed` with Meta's code; 132016 also marks the template
  disabled, so its other waiting messages fail with the same reason.
"""

from datetime import timedelta

from .. import retry
from ..extensions import db
from ..models import Message, MessageTemplate, utcnow
from ..models.message_state import MessageState
from ..whatsapp.client import WhatsAppError
from . import template_status
from .throughput import PACE_CODES

MAX_ATTEMPTS = retry.DELIVERY.attempts
PAIR_RATE_LIMIT = 131056
MARKETING_LIMIT = 131049
TEMPLATE_PAUSED = 132015
TEMPLATE_DISABLED = 132016
# Meta: a person who hit the marketing limit should not get the template again
# within a day; the thread offers the resend from then on.
MARKETING_LIMIT_WAIT = timedelta(hours=24)


def backoff_seconds(attempt: int, code: int | None) -> float:
    """After failed attempt `attempt`: retry.DELIVERY, or Meta's 4^X for 131056."""
    policy = retry.DELIVERY_PAIR_LIMIT if code == PAIR_RATE_LIMIT else retry.DELIVERY
    return float(policy.delay(attempt))


def settle(
    message: Message, error: WhatsAppError, title: str, wait: float = 1.0
) -> tuple[str, float | None]:
    """Apply Meta's error to a message it did not take; (outcome, retry delay).

    `wait`: for Meta's pace errors, seconds until the number's pace allows a send.
    """
    if error.code in PACE_CODES:
        wait_for_pace(message, wait)
        return "throttled", wait
    if error.code == MARKETING_LIMIT:
        limit(message, title)
        return "limited", None
    if error.code == TEMPLATE_PAUSED and wait_for_template(message):
        return "paused", None
    delay = schedule_retry(message, error)
    if delay is not None:
        return "retry", delay
    fail(message, error.code, title)
    if error.code == TEMPLATE_DISABLED:
        template = template_of(message)
        if template is not None and template.status != "DISABLED":
            template_status.set_status(template, "DISABLED")
    return "failed", None


def schedule_retry(message: Message, error: WhatsAppError) -> float | None:
    """Back to `queued` for another attempt after a backoff; None if not allowed."""
    if not error.retryable or not retry.DELIVERY.allows_another(message.attempts):
        return None
    delay = backoff_seconds(message.attempts, error.code)
    message.move_to(MessageState.QUEUED)
    message.wamid = None
    message.error_code = message.error_title = message.sending_since = None
    message.next_attempt_at = utcnow() + timedelta(seconds=delay)
    return delay


def wait_for_pace(message: Message, wait: float) -> None:
    """Queued again for when the number's pace allows; the attempt does not count."""
    message.move_to(MessageState.QUEUED)
    message.attempts = max(0, message.attempts - 1)
    message.wamid = None
    message.error_code = message.error_title = message.sending_since = None
    message.next_attempt_at = utcnow() + timedelta(seconds=wait) if wait > 0 else None


def fail(message: Message, code: int | None, title: str | None) -> None:
    message.move_to(MessageState.FAILED)
    message.error_code, message.error_title = code, title
    message.sending_since = message.next_attempt_at = None


def limit(message: Message, title: str | None) -> None:
    """Held back by Meta's marketing limit; next_attempt_at: when a resend makes sense.

    Only `queued` messages are picked up by delivery and the sweeper, so the
    date is advice for the agent, not a schedule.
    """
    message.move_to(MessageState.LIMITED)
    message.error_code, message.error_title = MARKETING_LIMIT, title
    message.sending_since = None
    message.next_attempt_at = utcnow() + MARKETING_LIMIT_WAIT


def wait_for_template(message: Message) -> bool:
    """Park a message whose template Meta paused; False if it has no known template.

    The failed wamid stays on its attempt; the template is marked paused (Meta
    said so), which parks its other queued messages too.
    """
    template = template_of(message)
    if template is None:
        return False
    template_status.park_one(message)
    if template.status == "APPROVED":
        template_status.set_status(template, "PAUSED")
    return True


def template_of(message: Message) -> MessageTemplate | None:
    template_id = (message.details or {}).get("template_id")
    if message.type != "template" or not isinstance(template_id, int):
        return None
    template = db.session.get(MessageTemplate, template_id)
    if template is None or template.workspace_id != message.workspace_id:
        return None
    return template
