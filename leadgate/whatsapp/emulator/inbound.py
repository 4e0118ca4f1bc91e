"""Inbound messages (contact → business) of every type, from minimal parameters."""

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass

from .envelopes import messages_envelope
from .ids import new_bsuid, new_wamid
from .inbound_types import BUILDERS
from .models import InboundMessage, Number, digits
from .state import Emulator
from .webhooks import dispatch

DEFAULT_NAME = "Erika Mustermann"
DEFAULT_WA_ID = "4915112345678"
DEFAULT_REFERRAL = {
    "source_url": "https://fb.me/leadgate-demo",
    "source_id": "120200000000000001",
    "source_type": "ad",
    "body": "Jetzt unverbindlich anfragen",
    "headline": "LeadGate Demo-Anzeige",
    "media_type": "image",
    "image_url": "https://example.com/ad.jpg",
    "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRMv-_zfUQ2a",
}


@dataclass
class Sender:
    wa_id: str | None
    user_id: str | None
    name: str
    username: str | None

    @property
    def key(self) -> str:
        return self.wa_id or self.user_id or ""

    def contact(self) -> dict:
        profile = {"name": self.name}
        if self.username:
            profile["username"] = self.username
        contact: dict = {"profile": profile}
        if self.wa_id:
            contact["wa_id"] = self.wa_id
        if self.user_id:
            contact["user_id"] = self.user_id
        return contact

    def from_fields(self) -> dict:
        fields = {"from": self.wa_id} if self.wa_id else {}
        if self.user_id:
            fields["from_user_id"] = self.user_id
        return fields


def sender_from(params: dict) -> Sender:
    # BSUID-only senders (username enabled) come without wa_id and `from`.
    bsuid_only = bool(params.get("bsuid_only"))
    user_id = params.get("user_id") or (new_bsuid() if bsuid_only else None)
    wa_id = None if bsuid_only else digits(str(params.get("from") or DEFAULT_WA_ID))
    return Sender(
        wa_id=wa_id or None,
        user_id=user_id,
        name=str(params.get("name") or DEFAULT_NAME),
        username=params.get("username"),
    )


def context_for(number: Number, params: dict) -> dict | None:
    if isinstance(params.get("context"), dict):
        return params["context"]
    if params.get("reply_to"):
        return {
            "from": number.metadata()["display_phone_number"],
            "id": params["reply_to"],
        }
    for flag in ("forwarded", "frequently_forwarded"):
        if params.get(flag):
            return {flag: True}
    return None


def build_message(
    emulator: Emulator, number: Number, sender: Sender, params: dict
) -> tuple[str, dict]:
    """Return the kind asked for and the messages[] item."""
    kind = str(params.get("type", "text"))
    builder: Callable | None = BUILDERS.get(kind)
    if builder is None:
        raise ValueError(f"type must be one of {', '.join(BUILDERS)}")
    message_type, payload = builder(emulator, number, sender, params)
    item = {**sender.from_fields(), "id": params.get("id") or new_wamid(sender.key)}
    item["timestamp"] = str(int(params.get("timestamp") or emulator.clock.now()))
    if context := context_for(number, params):
        item["context"] = context
    item.update(type=message_type, **payload)
    if kind == "referral" or params.get("referral"):
        referral = params.get("referral")
        item["referral"] = referral if isinstance(referral, dict) else DEFAULT_REFERRAL
    item.update(params.get("extra") or {})
    return kind, item


def inject_inbound(emulator: Emulator, number: Number, params: dict) -> dict:
    """Record an inbound message, open the service window, deliver its webhook."""
    if "data_base64" in params:
        try:
            params = {
                **params,
                "data": base64.b64decode(params["data_base64"], validate=True),
            }
        except binascii.Error:
            raise ValueError("data_base64 is not valid base64") from None
    sender = sender_from(params)
    kind, item = build_message(emulator, number, sender, params)
    value: dict = {"contacts": [sender.contact()], "messages": [item]}
    if kind == "system":
        value.pop("contacts")  # number-change notices come without contacts[]
    body = messages_envelope(number, value)
    message = InboundMessage(
        id=item["id"],
        phone_number_id=number.phone_number_id,
        contact=sender.key,
        name=sender.name,
        type=item["type"],
        item=item,
        timestamp=float(item["timestamp"]),
    )
    keys = [key for key in (sender.wa_id, sender.user_id) if key]
    emulator.store.record_inbound(message, keys)
    if "referral" in item:
        emulator.store.open_entry_point(number.phone_number_id, keys, message.timestamp)
    emulator.limits.count_inbound(number)
    deliveries = (
        dispatch(emulator, [number], body) if params.get("deliver", True) else []
    )
    return {"message_id": item["id"], "webhook": body, "deliveries": deliveries}
