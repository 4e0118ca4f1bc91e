"""Validation of POST /{phone_number_id}/messages bodies, answered like Meta."""

from collections.abc import Callable
from typing import Any

from .errors import GraphError

SEND_TYPES = (
    "audio",
    "contacts",
    "document",
    "image",
    "interactive",
    "location",
    "reaction",
    "sticker",
    "template",
    "text",
    "video",
)
MEDIA_TYPES = ("audio", "document", "image", "sticker", "video")
COORDINATES = ("latitude", "longitude")
INTERACTIVE_TYPES = (
    "button",
    "list",
    "cta_url",
    "flow",
    "product",
    "product_list",
    "location_request_message",
)


def required(payload: dict, key: str, path: str) -> Any:
    value = payload.get(key)
    if value in (None, "", [], {}):
        raise GraphError(100, f"The parameter {path} is required.")
    return value


def max_length(value: Any, limit: int, path: str) -> None:
    if not isinstance(value, str):
        raise GraphError(100, f"Param {path} must be a string.")
    if len(value) > limit:
        raise GraphError(100, f"Param {path} must be at most {limit} characters long.")


def validate_send(body: Any) -> str:
    """Check a send request's shape and return its message type."""
    if not isinstance(body, dict):
        raise GraphError(100, "The request body must be a JSON object.")
    if body.get("messaging_product") != "whatsapp":
        raise GraphError(100, "The parameter messaging_product is required.")
    if body.get("recipient_type", "individual") not in ("individual", "group"):
        raise GraphError(100, "Param recipient_type must be individual or group.")
    if not isinstance(body.get("to") or body.get("recipient"), str):
        raise GraphError(100, "The parameter to is required.")
    kind = body.get("type", "text")
    if kind not in SEND_TYPES:
        allowed = ", ".join(t.upper() for t in SEND_TYPES)
        raise GraphError(
            100, f'Param type must be one of {{{allowed}}} - got "{kind}".'
        )
    payload = body.get(kind)
    if not isinstance(payload, list if kind == "contacts" else dict):
        raise GraphError(100, f"The parameter {kind} is required.")
    VALIDATORS.get(kind, _media)(payload, kind)
    context = body.get("context")
    if context is not None and not isinstance(context, dict):
        raise GraphError(100, "Param context must be an object.")
    return kind


def _text(payload: dict, kind: str) -> None:
    max_length(required(payload, "body", "text['body']"), 4096, "text['body']")


def _media(payload: dict, kind: str) -> None:
    if bool(payload.get("id")) == bool(payload.get("link")):
        raise GraphError(
            100, f"Param {kind} must contain exactly one of the fields id or link."
        )
    link = payload.get("link")
    if link and not str(link).startswith(("http://", "https://")):
        raise GraphError(131009, f"Param {kind}['link'] must be a valid URL.")
    if "caption" in payload:
        if kind in ("audio", "sticker"):
            raise GraphError(131009, f"Param {kind}['caption'] is not allowed.")
        max_length(payload["caption"], 1024, f"{kind}['caption']")


def _location(payload: dict, kind: str) -> None:
    values = {key: required(payload, key, f"location['{key}']") for key in COORDINATES}
    for key, value in values.items():
        try:
            float(value)
        except (TypeError, ValueError):
            raise GraphError(
                131009, f"Param location['{key}'] must be a number."
            ) from None


def _contacts(payload: list, kind: str) -> None:
    if not payload:
        raise GraphError(100, "The parameter contacts is required.")
    for index, card in enumerate(payload):
        name = card.get("name") if isinstance(card, dict) else None
        if not isinstance(name, dict) or not name.get("formatted_name"):
            path = f"contacts[{index}]['name']['formatted_name']"
            raise GraphError(100, f"The parameter {path} is required.")


def _reaction(payload: dict, kind: str) -> None:
    required(payload, "message_id", "reaction['message_id']")
    if not isinstance(payload.get("emoji", ""), str):
        raise GraphError(131009, "Param reaction['emoji'] must be a string.")


def _template(payload: dict, kind: str) -> None:
    required(payload, "name", "template['name']")
    language = required(payload, "language", "template['language']")
    if not isinstance(language, dict) or not language.get("code"):
        raise GraphError(100, "The parameter template['language']['code'] is required.")
    if not isinstance(payload.get("components", []), list):
        raise GraphError(100, "Param template['components'] must be an array.")


def _interactive(payload: dict, kind: str) -> None:
    interactive_type = required(payload, "type", "interactive['type']")
    if interactive_type not in INTERACTIVE_TYPES:
        raise GraphError(
            131009, f"Param interactive['type'] is invalid: {interactive_type}."
        )
    action = payload.get("action")
    if interactive_type in ("button", "list"):
        body = required(payload, "body", "interactive['body']")
        limit = 1024 if interactive_type == "button" else 4096
        max_length(body.get("text", ""), limit, "interactive['body']['text']")
        if not isinstance(action, dict):
            raise GraphError(100, "The parameter interactive['action'] is required.")
    if isinstance(payload.get("footer"), dict):
        max_length(
            payload["footer"].get("text", ""), 60, "interactive['footer']['text']"
        )
    if interactive_type == "button":
        _reply_buttons(action.get("buttons"))
    elif interactive_type == "list":
        _list_sections(action)


def _reply_buttons(buttons: Any) -> None:
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        raise GraphError(
            131009,
            "Param interactive['action']['buttons'] must have between 1 and 3 elements.",
        )
    ids = [b.get("reply", {}).get("id") for b in buttons if isinstance(b, dict)]
    if len(set(ids)) != len(buttons) or not all(ids):
        raise GraphError(131009, "Buttons need unique, non-empty reply ids.")
    for index, button in enumerate(buttons):
        reply = button.get("reply", {})
        path = f"interactive['action']['buttons'][{index}]['reply']"
        max_length(required(reply, "title", f"{path}['title']"), 20, f"{path}['title']")
        max_length(reply["id"], 256, f"{path}['id']")


def _list_sections(action: dict) -> None:
    max_length(
        required(action, "button", "interactive['action']['button']"),
        20,
        "interactive['action']['button']",
    )
    sections = required(action, "sections", "interactive['action']['sections']")
    rows = [row for section in sections for row in section.get("rows", [])]
    if not 1 <= len(sections) <= 10 or not 1 <= len(rows) <= 10:
        raise GraphError(
            131009, "A list needs 1 to 10 sections with 1 to 10 rows in total."
        )
    for index, row in enumerate(rows):
        path = f"interactive['action']['sections']['rows'][{index}]"
        max_length(required(row, "title", f"{path}['title']"), 24, f"{path}['title']")
        max_length(required(row, "id", f"{path}['id']"), 200, f"{path}['id']")


VALIDATORS: dict[str, Callable[[Any, str], None]] = {
    "text": _text,
    "location": _location,
    "contacts": _contacts,
    "reaction": _reaction,
    "template": _template,
    "interactive": _interactive,
}
