"""Builders for each inbound message type: (type, payload keys) from parameters."""

import json

from .media import store_media
from .models import Number, digits
from .samples import sample_bytes

MEDIA_MIME = {
    "image": "image/png",
    "audio": "audio/mpeg",
    "voice": "audio/ogg; codecs=opus",
    "video": "video/mp4",
    "document": "application/pdf",
    "sticker": "image/webp",
}
CAPTIONED = ("image", "video", "document")


def _text(emulator, number: Number, sender, params: dict) -> tuple[str, dict]:
    return "text", {
        "text": {
            "body": str(
                params.get("text", "Hallo, ich interessiere mich für Ihr Angebot.")
            )
        }
    }


def _media(kind: str):
    message_type = "audio" if kind == "voice" else kind

    def build(emulator, number: Number, sender, params: dict) -> tuple[str, dict]:
        data = params.get("data") or sample_bytes(kind)
        mime_type = params.get("mime_type") or MEDIA_MIME[kind]
        filename = params.get("filename") or (
            "Angebot.pdf" if kind == "document" else None
        )
        media = store_media(emulator, number, data, mime_type, filename)
        item: dict = {}
        if kind in CAPTIONED and params.get("caption"):
            item["caption"] = params["caption"]
        if kind == "document":
            item["filename"] = filename
        item.update(mime_type=mime_type, sha256=media.sha256_base64, id=media.id)
        if message_type == "audio":
            item["voice"] = kind == "voice"
        if kind == "sticker":
            item["animated"] = bool(params.get("animated", False))
        return message_type, {message_type: item}

    return build


def _location(emulator, number, sender, params: dict) -> tuple[str, dict]:
    location = {
        "latitude": float(params.get("latitude", 52.516275)),
        "longitude": float(params.get("longitude", 13.377704)),
        "name": params.get("location_name", "Brandenburger Tor"),
        "address": params.get("address", "Pariser Platz, 10117 Berlin"),
    }
    return "location", {"location": location}


def _contacts(emulator, number, sender, params: dict) -> tuple[str, dict]:
    if isinstance(params.get("contacts"), list):
        return "contacts", {"contacts": params["contacts"]}
    name = str(params.get("contact_name", "Max Mustermann"))
    phone = str(params.get("contact_phone", "+49 170 1234567"))
    first, _, last = name.partition(" ")
    card = {
        "name": {"formatted_name": name, "first_name": first, "last_name": last},
        "phones": [{"phone": phone, "wa_id": digits(phone), "type": "CELL"}],
    }
    return "contacts", {"contacts": [card]}


def _interactive(reply_type: str):
    def build(emulator, number, sender, params: dict) -> tuple[str, dict]:
        if reply_type == "nfm_reply":
            response = params.get(
                "response", {"flow_token": "unused", "zustimmung": True}
            )
            reply = {
                "response_json": response
                if isinstance(response, str)
                else json.dumps(response),
                "body": "Sent",
                "name": "flow",
            }
        else:
            reply = {
                "id": params.get("reply_id", "ja"),
                "title": params.get("title", "Ja"),
            }
            if reply_type == "list_reply" and params.get("description"):
                reply["description"] = params["description"]
        return "interactive", {"interactive": {"type": reply_type, reply_type: reply}}

    return build


def _button(emulator, number, sender, params: dict) -> tuple[str, dict]:
    text = str(params.get("text", "Ja, bitte anrufen"))
    return "button", {"button": {"payload": params.get("payload", text), "text": text}}


def _reaction(emulator, number, sender, params: dict) -> tuple[str, dict]:
    reaction = {"message_id": _required(params, "message_id")}
    if params.get("remove"):
        reaction["emoji"] = ""  # a removed reaction
    elif not params.get("omit_emoji"):
        reaction["emoji"] = params.get("emoji", "👍")
    return "reaction", {"reaction": reaction}


def _order(emulator, number, sender, params: dict) -> tuple[str, dict]:
    items = params.get("product_items") or [
        {
            "product_retailer_id": "beratung-60",
            "quantity": 1,
            "item_price": 89.0,
            "currency": "EUR",
        }
    ]
    order = {
        "catalog_id": params.get("catalog_id", "1234567890"),
        "text": params.get("text", "Bitte um Rückruf"),
        "product_items": items,
    }
    return "order", {"order": order}


def _system(emulator, number, sender, params: dict) -> tuple[str, dict]:
    new_wa_id = digits(str(params.get("new_wa_id", "4915199999999")))
    body = f"User {sender.name} changed from {sender.wa_id} to {new_wa_id}"
    return "system", {
        "system": {"body": body, "wa_id": new_wa_id, "type": "user_changed_number"}
    }


def _unsupported(emulator, number, sender, params: dict) -> tuple[str, dict]:
    error = {
        "code": 131051,
        "title": "Message type unknown",
        "message": "Message type unknown",
        "error_data": {"details": "Message type is currently not supported."},
    }
    kind = params.get("unsupported_type", "poll_update")
    return "unsupported", {"errors": [error], "unsupported": {"type": kind}}


def _revoke(emulator, number, sender, params: dict) -> tuple[str, dict]:
    return "revoke", {
        "revoke": {"original_message_id": _required(params, "original_message_id")}
    }


def _edit(emulator, number, sender, params: dict) -> tuple[str, dict]:
    message = {
        "type": "text",
        "text": {"body": str(params.get("text", "Korrigierter Text"))},
    }
    edit = {
        "original_message_id": _required(params, "original_message_id"),
        "message": message,
    }
    return "edit", {"edit": edit}


def _required(params: dict, key: str) -> str:
    if not params.get(key):
        raise ValueError(f"{key} is required for type {params.get('type')}")
    return str(params[key])


BUILDERS = {
    "text": _text,
    "referral": _text,  # a text with a Click-to-WhatsApp `referral` object
    **{kind: _media(kind) for kind in MEDIA_MIME},
    "location": _location,
    "contacts": _contacts,
    "button_reply": _interactive("button_reply"),
    "list_reply": _interactive("list_reply"),
    "nfm_reply": _interactive("nfm_reply"),
    "button": _button,
    "reaction": _reaction,
    "order": _order,
    "system": _system,
    "unsupported": _unsupported,
    "revoke": _revoke,
    "edit": _edit,
}
