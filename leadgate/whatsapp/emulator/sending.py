"""POST /{phone_number_id}/messages: policy checks, recording, status webhooks."""

import random
import re
import uuid
from dataclasses import dataclass
from typing import Any

from .errors import GraphError
from .ids import new_wamid
from .message_templates import check_template_send
from .models import Number, Pricing, SentMessage, digits
from .state import Emulator
from .statuses import fire_status, schedule_statuses
from .validation import MEDIA_TYPES, validate_send

# Country code, a period, up to 128 letters and digits; a parent BSUID has "ENT.".
BSUID = re.compile(r"^[A-Z]{2}\.(?:ENT\.)?[0-9A-Za-z]{1,128}$")
HELD = "held_for_quality_assessment"
MARKETING_LIMIT = 131049
ENTRY_POINT_SECONDS = 72 * 60 * 60
BSUID_NOT_SUPPORTED = 131062
WINDOW_DETAILS = (
    "Message failed to send because more than 24 hours have passed since the "
    "customer last replied to this number."
)


@dataclass(frozen=True)
class Recipient:
    input: str
    wa_id: str | None = None
    user_id: str | None = None

    @property
    def key(self) -> str:
        return self.wa_id or self.user_id or ""

    def contact(self) -> dict:
        if self.wa_id:
            return {"input": self.input, "wa_id": self.wa_id}
        return {"input": self.input, "user_id": self.user_id}


def parse_recipient(body: dict) -> Recipient:
    """`to` (a phone number) takes precedence; `recipient` carries a BSUID."""
    if body.get("to"):
        value = str(body["to"]).strip()
        if BSUID.match(value) or not digits(value):
            raise GraphError(
                100,
                "Param to must be a valid phone number; send business-scoped "
                "user IDs in recipient.",
            )
        return Recipient(input=value, wa_id=digits(value))
    value = str(body.get("recipient")).strip()
    if not BSUID.match(value):
        raise GraphError(
            100,
            "Param recipient must be a valid business-scoped user ID "
            "(e.g. US.13491208655302741918).",
        )
    return Recipient(input=value, user_id=value)


def handle_send(emulator: Emulator, number: Number, body: Any, version: str) -> dict:
    """Accept a message like Meta would, or raise the GraphError Meta would."""
    if isinstance(body, dict) and body.get("status") == "read":
        return mark_read(emulator, number, body)
    kind = validate_send(body)
    recipient = parse_recipient(body)
    _check_media(emulator, number, body, kind)
    emulator.limits.check_throughput(number)
    pricing = _pricing(emulator, number, body, kind, recipient)
    emulator.limits.take_pair_token(number, recipient.key)
    message = SentMessage(
        id=new_wamid(recipient.key),
        phone_number_id=number.phone_number_id,
        recipient=recipient.key,
        recipient_is_bsuid=recipient.wa_id is None,
        type=kind,
        payload=body,
        timestamp=emulator.clock.now(),
        version=version,
        pricing=pricing,
        conversation_id=uuid.uuid4().hex,
    )
    emulator.store.add_sent(message)
    if marketing_limited(emulator, kind, pricing, recipient):
        # Accepted, then reported as not delivered, like Meta's 131049.
        delay = emulator.settings.status_delays.get("sent") or 0.0
        emulator.dispatcher.call_later(
            delay,
            lambda: fire_status(
                emulator, message.id, "failed", error_code=MARKETING_LIMIT
            ),
        )
    else:
        schedule_statuses(emulator, message)
    accepted: dict = {"id": message.id}
    if (
        kind == "template"
        and body["template"]["name"] in emulator.settings.held_templates
    ):
        accepted["message_status"] = HELD
    return {
        "messaging_product": "whatsapp",
        "contacts": [recipient.contact()],
        "messages": [accepted],
    }


def marketing_limited(
    emulator: Emulator, kind: str, pricing: Pricing, recipient: Recipient
) -> bool:
    """Meta's per-user marketing limit, for the configured recipients or share."""
    if kind != "template" or pricing.category != "marketing":
        return False
    settings = emulator.settings
    listed = {
        item if BSUID.match(item) else digits(item)
        for item in settings.marketing_limited_recipients
    }
    return recipient.key in listed or random.random() < settings.marketing_limit_share


def mark_read(emulator: Emulator, number: Number, body: dict) -> dict:
    """Mark a received message (and the earlier ones of that chat) as read."""
    if body.get("messaging_product") != "whatsapp":
        raise GraphError(100, "The parameter messaging_product is required.")
    message_id = body.get("message_id")
    if not message_id:
        raise GraphError(100, "The parameter message_id is required.")
    if not emulator.store.mark_read(number.phone_number_id, str(message_id)):
        raise GraphError(
            100,
            f"Invalid parameter message_id: {message_id} was not received by this number.",
        )
    return {"success": True}


def window_open(emulator: Emulator, number: Number, contact: str) -> bool:
    last = emulator.store.last_inbound_at(number.phone_number_id, contact)
    if last is None:
        return False
    return emulator.clock.now() - last < emulator.settings.service_window_seconds


def entry_point_open(emulator: Emulator, number: Number, contact: str) -> bool:
    """Within 72 hours of the contact's message from an ad (free entry point).

    Meta opens the window when the business answers within the 24-hour service
    window and counts 72 hours from then; counting from the ad message is the
    emulator's simplification (it ends at most 24 hours early).
    """
    since = emulator.store.entry_point_at(number.phone_number_id, contact)
    return since is not None and emulator.clock.now() - since < ENTRY_POINT_SECONDS


def _pricing(
    emulator: Emulator, number: Number, body: dict, kind: str, recipient: Recipient
) -> Pricing:
    is_open = window_open(emulator, number, recipient.key)
    if kind != "template":
        if not is_open:
            raise GraphError(131047, WINDOW_DETAILS)
        if entry_point_open(emulator, number, recipient.key):
            return Pricing(category="service", type="free_entry_point", billable=False)
        return Pricing(category="service", type="free_customer_service", billable=False)
    template = check_template_send(emulator, number, body["template"])
    category = template.category.lower()
    if category == "authentication" and recipient.wa_id is None:
        raise GraphError(
            BSUID_NOT_SUPPORTED,
            "Authentication templates cannot be sent to business-scoped user IDs.",
        )
    # After a Click-to-WhatsApp ad every message, templates too, is free for 72 h.
    if entry_point_open(emulator, number, recipient.key):
        return Pricing(category=category, type="free_entry_point", billable=False)
    # Utility templates inside an open service window are free.
    if is_open and category == "utility":
        return Pricing(category=category, type="free_customer_service", billable=False)
    return Pricing(category=category, type="regular", billable=True)


def _check_media(emulator: Emulator, number: Number, body: dict, kind: str) -> None:
    if kind not in MEDIA_TYPES or "id" not in body[kind]:
        return
    media = emulator.store.media(str(body[kind]["id"]))
    owner = emulator.store.number(media.owner) if media else None
    if owner is None or owner.waba_id != number.waba_id:
        raise GraphError(131009, f"Param {kind}['id'] is not a valid media id.")
