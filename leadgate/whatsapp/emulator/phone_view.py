"""What the phone page shows: chat bubbles for both directions of one chat."""

import time
from dataclasses import dataclass, field

from .message_templates import render_body
from .models import InboundMessage, SentMessage
from .state import Emulator

MEDIA_LABELS = {
    "image": "Bild",
    "audio": "Audio",
    "video": "Video",
    "document": "Dokument",
    "sticker": "Sticker",
}
STATUS_LABELS = {
    "sent": "✓ gesendet",
    "delivered": "✓✓ zugestellt",
    "read": "✓✓ gelesen",
    "failed": "✗ fehlgeschlagen",
    "played": "✓✓ abgespielt",
}


@dataclass
class ReplyButton:
    reply_type: str  # button_reply, list_reply or button (template quick reply)
    reply_id: str
    title: str


@dataclass
class Bubble:
    side: str  # "business" (left) or "me" (right)
    message_id: str
    time: str
    text: str = ""
    label: str = ""
    media_id: str | None = None
    is_image: bool = False
    link: str | None = None
    status: str = ""
    buttons: list[ReplyButton] = field(default_factory=list)


def chat_bubbles(
    emulator: Emulator, phone_number_id: str, contact: str
) -> list[Bubble]:
    messages = emulator.store.conversation(phone_number_id, contact)
    return [
        _business(emulator, m) if isinstance(m, SentMessage) else _mine(m)
        for m in messages
    ]


def _clock(timestamp: float) -> str:
    return time.strftime("%H:%M", time.localtime(timestamp))


def _business(emulator: Emulator, message: SentMessage) -> Bubble:
    bubble = Bubble("business", message.id, _clock(message.timestamp))
    bubble.status = (
        STATUS_LABELS.get(message.statuses[-1], "") if message.statuses else ""
    )
    payload = message.payload.get(message.type)
    if message.type == "text":
        bubble.text = payload.get("body", "")
    elif message.type in MEDIA_LABELS:
        _describe_media(bubble, message.type, payload)
    elif message.type == "interactive":
        _describe_interactive(bubble, payload)
    elif message.type == "template":
        _describe_template(emulator, bubble, message, payload)
    else:
        _describe_other(bubble, message.type, payload)
    return bubble


def _describe_media(bubble: Bubble, kind: str, payload: dict) -> None:
    bubble.label = MEDIA_LABELS[kind]
    bubble.text = payload.get("caption") or payload.get("filename") or ""
    bubble.media_id = payload.get("id")
    bubble.is_image = kind in ("image", "sticker") and bool(bubble.media_id)
    bubble.link = payload.get("link")


def _describe_interactive(bubble: Bubble, payload: dict) -> None:
    header = payload.get("header") or {}
    bubble.label = header.get("text") or "Interaktive Nachricht"
    bubble.text = (payload.get("body") or {}).get("text", "")
    action = payload.get("action") or {}
    for button in action.get("buttons", []):
        reply = button.get("reply", {})
        bubble.buttons.append(
            ReplyButton("button_reply", reply.get("id", ""), reply.get("title", ""))
        )
    for section in action.get("sections", []):
        for row in section.get("rows", []):
            bubble.buttons.append(
                ReplyButton("list_reply", row.get("id", ""), row.get("title", ""))
            )


def _describe_template(
    emulator: Emulator, bubble: Bubble, message: SentMessage, payload: dict
) -> None:
    name, language = payload["name"], payload["language"]["code"]
    bubble.label = f"Vorlage „{name}“ ({language})"
    number = emulator.store.number(message.phone_number_id)
    template = (
        emulator.store.find_template(number.waba_id, name, language) if number else None
    )
    if template is None:
        return
    components = payload.get("components", [])
    bubble.text = render_body(template, components)
    payloads = {
        str(c.get("index")): c.get("parameters", [{}])[0].get("payload")
        for c in components
        if c.get("type") == "button"
    }
    for part in template.components:
        for index, button in enumerate(part.get("buttons", [])):
            if button.get("type") == "QUICK_REPLY":
                reply_id = payloads.get(str(index)) or button["text"]
                bubble.buttons.append(ReplyButton("button", reply_id, button["text"]))


def _describe_other(bubble: Bubble, kind: str, payload) -> None:
    if kind == "location":
        bubble.label = "Standort"
        place = ", ".join(filter(None, (payload.get("name"), payload.get("address"))))
        bubble.text = f"{place} ({payload['latitude']}, {payload['longitude']})".strip()
    elif kind == "contacts":
        bubble.label = "Kontakt"
        bubble.text = ", ".join(c["name"]["formatted_name"] for c in payload)
    elif kind == "reaction":
        bubble.label = "Reaktion"
        bubble.text = payload.get("emoji") or "Reaktion entfernt"


def _mine(message: InboundMessage) -> Bubble:
    bubble = Bubble("me", message.id, _clock(message.timestamp))
    bubble.status = "✓✓ gelesen" if message.read else ""
    item = message.item
    payload = item.get(item["type"], {})
    if item["type"] == "text":
        bubble.text = payload.get("body", "")
    elif item["type"] in MEDIA_LABELS:
        _describe_media(bubble, item["type"], payload)
    elif item["type"] == "interactive":
        reply = payload.get(payload.get("type"), {})
        bubble.label, bubble.text = "Antwort", reply.get("title", "")
    elif item["type"] == "button":
        bubble.label, bubble.text = "Antwort", payload.get("text", "")
    elif item["type"] in ("location", "reaction"):
        _describe_other(bubble, item["type"], payload)
    else:
        bubble.label = item["type"]
    return bubble
