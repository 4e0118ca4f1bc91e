"""Parse messages[] items: one InboundMessage per item, its content by type.

The content parsers (one per Meta type) return the InboundMessage fields they
fill; "details" is JSON-serialisable and kept per type. Echoes and history
(coexistence.py) reuse `message` for every content type.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import limits
from .depth import load_json
from .items import Change, Identity, identity, phone_number_id
from .values import (
    ItemError,
    as_dict,
    as_list,
    as_str,
    errors,
    fitting,
    id_string,
    required,
    required_object,
    timestamp,
    wa_id,
)

MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")
LOCATION_KEYS = ("latitude", "longitude", "name", "address", "url")


@dataclass(frozen=True)
class Media:
    media_id: str
    mime_type: str | None = None
    sha256: str | None = None
    filename: str | None = None
    voice: bool = False
    animated: bool = False
    url: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    phone_number_id: str
    display_phone_number: str | None
    waba_id: str
    wamid: str
    type: str  # Meta's type; the legacy "unknown" is normalised to "unsupported"
    timestamp: datetime  # timezone-aware UTC
    sender: Identity  # messages[].from/from_user_id merged with its contacts[] entry
    text: str | None = None
    caption: str | None = None
    media: Media | None = None
    reply_to_wamid: str | None = None  # context.id (absent for forwarded messages)
    forwarded: bool = False
    frequently_forwarded: bool = False
    reaction_to_wamid: str | None = None
    reaction_emoji: str | None = None  # None when the reaction is removed
    target_wamid: str | None = None  # revoke/edit original_message_id
    details: dict = field(default_factory=dict)  # JSON-serialisable, per type
    raw: dict = field(default_factory=dict)  # the messages[] item as received


def message(item: Any, change: Change) -> InboundMessage:
    """Parse one messages[] item."""
    received = required_object(item, "message")
    wamid = required(received, "id", limits.WAMID)
    meta_type = required(received, "type", limits.MESSAGE_TYPE)
    sent_at = timestamp(received.get("timestamp"))
    sender = identity(received.get("from"), received.get("from_user_id"), change)
    if sender.wa_id is None and sender.bsuid is None:
        raise ItemError("message has no from or from_user_id")
    # "unknown" is the legacy name of "unsupported"; keep one name downstream.
    kind = "unsupported" if meta_type == "unknown" else meta_type
    parser = _CONTENT_PARSERS.get(kind)
    content = parser(received) if parser else {}
    details = {**content.pop("details", {}), **_common_details(received)}
    return InboundMessage(
        phone_number_id=phone_number_id(change),
        display_phone_number=change.display_phone_number,
        waba_id=change.waba_id,
        wamid=wamid,
        type=kind,
        timestamp=sent_at,
        sender=sender,
        **_context_fields(received),
        **content,
        details=details,
        raw=received,
    )


def _context_fields(message: dict) -> dict[str, Any]:
    context = as_dict(message.get("context"))
    frequently = context.get("frequently_forwarded") is True
    return {
        # Forwarded contexts carry no id; only replies and product inquiries do.
        "reply_to_wamid": fitting(
            id_string(context.get("id")), limits.WAMID, "context.id"
        ),
        # Meta flags only the stronger case, but a frequent forward is a forward.
        "forwarded": context.get("forwarded") is True or frequently,
        "frequently_forwarded": frequently,
    }


def _common_details(message: dict) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if isinstance(message.get("referral"), dict):
        details["referral"] = message["referral"]
    if "errors" in message:
        details["errors"] = list(errors(message["errors"]))
    product = as_dict(message.get("context")).get("referred_product")
    if isinstance(product, dict):
        details["referred_product"] = product
    return details


def _text_content(message: dict) -> dict[str, Any]:
    return {"text": as_str(as_dict(message.get("text")).get("body"))}


def _media_content(message: dict) -> dict[str, Any]:
    payload = as_dict(message.get(message["type"]))
    caption = as_str(payload.get("caption"))
    media_id = fitting(id_string(payload.get("id")), limits.MEDIA_ID, "media id")
    if media_id is None:
        # Nothing to download, but the message still happened: keep it.
        return {"caption": caption}
    media = Media(
        media_id=media_id,
        mime_type=limits.fit(as_str(payload.get("mime_type")), limits.MIME_TYPE),
        sha256=as_str(payload.get("sha256")),
        filename=as_str(payload.get("filename")),
        voice=payload.get("voice") is True,
        animated=payload.get("animated") is True,
        url=as_str(payload.get("url")),
    )
    return {"caption": caption, "media": media}


def _location_content(message: dict) -> dict[str, Any]:
    location = as_dict(message.get("location"))
    return {"details": {key: location.get(key) for key in LOCATION_KEYS}}


def _contacts_content(message: dict) -> dict[str, Any]:
    # The shared cards live in messages[].contacts; value.contacts is the sender.
    return {"details": {"contacts": as_list(message.get("contacts"))}}


def _interactive_content(message: dict) -> dict[str, Any]:
    # "interactive" can arrive without the object (its error is in value.errors).
    interactive = as_dict(message.get("interactive"))
    kind = as_str(interactive.get("type"))
    reply = as_dict(interactive.get(kind)) if kind else {}
    details = {
        "interactive_type": kind,
        "reply_id": id_string(reply.get("id")),
        "title": as_str(reply.get("title")),
        "description": as_str(reply.get("description")),
        "response": _decoded_json(reply.get("response_json")),
    }
    text = as_str(reply.get("body")) if kind == "nfm_reply" else details["title"]
    return {"text": text, "details": details}


def _decoded_json(value: Any) -> Any:
    # nfm_reply.response_json is JSON inside a JSON string; keep it if undecodable
    # or nested too deeply to store (load_json is bounded, never RecursionError).
    try:
        return load_json(value) if isinstance(value, str) else value
    except ValueError:
        return value


def _button_content(message: dict) -> dict[str, Any]:
    button = as_dict(message.get("button"))
    text = as_str(button.get("text"))
    return {"text": text, "details": {"payload": button.get("payload"), "text": text}}


def _reaction_content(message: dict) -> dict[str, Any]:
    reaction = as_dict(message.get("reaction"))
    return {
        "reaction_to_wamid": fitting(
            id_string(reaction.get("message_id")), limits.WAMID, "reaction.message_id"
        ),
        # An empty or missing emoji means the reaction was removed.
        "reaction_emoji": limits.fit(as_str(reaction.get("emoji")), limits.EMOJI)
        or None,
    }


def _order_content(message: dict) -> dict[str, Any]:
    order = as_dict(message.get("order"))
    details = {
        "catalog_id": id_string(order.get("catalog_id")),
        "product_items": as_list(order.get("product_items")),
    }
    return {"text": as_str(order.get("text")), "details": details}


def _system_content(message: dict) -> dict[str, Any]:
    system = as_dict(message.get("system"))
    details = {
        "system_type": as_str(system.get("type")),
        "new_wa_id": fitting(wa_id(system.get("wa_id")), limits.WA_ID, "system.wa_id"),
        "body": as_str(system.get("body")),
    }
    if "identity" in message:
        details["identity"] = message["identity"]
    return {"text": details["body"], "details": details}


def _unsupported_content(message: dict) -> dict[str, Any]:
    unsupported_type = as_str(as_dict(message.get("unsupported")).get("type"))
    found = list(errors(message.get("errors")))
    return {"details": {"unsupported_type": unsupported_type, "errors": found}}


def _revoke_content(message: dict) -> dict[str, Any]:
    revoke = as_dict(message.get("revoke"))
    return {"target_wamid": _target_wamid(revoke)}


def _edit_content(message: dict) -> dict[str, Any]:
    edit = as_dict(message.get("edit"))
    new_message = as_dict(edit.get("message"))
    edited_type = as_str(new_message.get("type"))
    payload = as_dict(new_message.get(edited_type)) if edited_type else {}
    return {
        "target_wamid": _target_wamid(edit),
        "text": as_str(payload.get("body")),
        "caption": as_str(payload.get("caption")),
        "details": {"edited_type": edited_type, "message": new_message},
    }


def _target_wamid(change: dict) -> str | None:
    original = id_string(change.get("original_message_id"))
    return fitting(original, limits.WAMID, "original_message_id")


_CONTENT_PARSERS: dict[str, Callable[[dict], dict[str, Any]]] = {
    "text": _text_content,
    **dict.fromkeys(MEDIA_TYPES, _media_content),
    "location": _location_content,
    "contacts": _contacts_content,
    "interactive": _interactive_content,
    "button": _button_content,
    "reaction": _reaction_content,
    "order": _order_content,
    "system": _system_content,
    "unsupported": _unsupported_content,
    "revoke": _revoke_content,
    "edit": _edit_content,
}
