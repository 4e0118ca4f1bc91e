"""Parse WhatsApp Cloud API webhook bodies into plain frozen dataclasses.

Pure functions: no Flask, no database. Only a wrong envelope raises; anything
malformed inside it becomes a ``Rejected`` item, so nothing Meta sent is lost.
Every value the drain stores in a String(n) column is bounded here, by the item
constructors: an over-long id makes its item malformed, display text is cut to
fit (payloads_limits says which is which, and reads n from the models).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import payloads_limits as limits
from .payloads_json import load_json

MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")
LOCATION_KEYS = ("latitude", "longitude", "name", "address", "url")


class PayloadError(ValueError):
    """The body is not a WhatsApp Business Account webhook payload."""


class _ItemError(ValueError):
    """One item inside a valid envelope cannot be understood."""


@dataclass(frozen=True)
class Identity:
    wa_id: str | None = None  # phone number, digits only (from / wa_id / recipient_id)
    bsuid: str | None = None  # user_id / from_user_id / recipient_user_id
    parent_bsuid: str | None = None  # parent_user_id
    name: str | None = None  # contacts[].profile.name
    username: str | None = None  # contacts[].profile.username


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


@dataclass(frozen=True)
class StatusUpdate:
    phone_number_id: str
    waba_id: str
    wamid: str
    status: str  # sent | delivered | read | failed | played, unknown kept as given
    timestamp: datetime
    recipient: Identity
    errors: tuple[dict, ...] = ()  # each {"code", "title", "message", "details"}
    conversation: dict | None = None
    pricing: dict | None = None
    # Echo of the send request's biz_opaque_callback_data (we put our message id there).
    callback_data: str | None = None
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class UserPreference:
    phone_number_id: str
    waba_id: str
    identity: Identity
    category: str  # e.g. "marketing_messages"
    value: str  # "stop" | "resume"
    detail: str | None
    timestamp: datetime


@dataclass(frozen=True)
class TemplateStatusUpdate:
    waba_id: str
    template_id: str  # message_template_id is an int in the payload
    name: str
    language: str
    event: str
    reason: str | None
    category: str | None
    raw: dict


@dataclass(frozen=True)
class AccountEvent:  # every other field, including ones Meta adds later
    waba_id: str
    field: str
    phone_number_id: str | None
    value: dict


@dataclass(frozen=True)
class ErrorEvent:  # value.errors: system, app or account level errors
    waba_id: str
    phone_number_id: str | None
    errors: tuple[dict, ...]


@dataclass(frozen=True)
class Rejected:  # an item that could not be understood, kept so nothing is lost
    waba_id: str | None
    field: str | None
    reason: str
    item: Any


@dataclass
class WebhookBatch:
    messages: list[InboundMessage]
    statuses: list[StatusUpdate]
    preferences: list[UserPreference]
    templates: list[TemplateStatusUpdate]
    account_events: list[AccountEvent]
    errors: list[ErrorEvent]
    rejected: list[Rejected]

    def phone_number_ids(self) -> set[str]:
        """Return every metadata.phone_number_id of the parsed updates."""
        # Templates and rejected items carry no phone number id.
        kinds = (self.messages, self.statuses, self.preferences)
        kinds += (self.account_events, self.errors)
        return {u.phone_number_id for us in kinds for u in us if u.phone_number_id}

    def waba_ids(self) -> set[str]:
        """Return every WhatsApp Business Account id seen in the batch."""
        return {update.waba_id for update in self._updates() if update.waba_id}

    def __len__(self) -> int:
        return len(self._updates())

    def _updates(self) -> list[Any]:
        kinds = (self.messages, self.statuses, self.preferences, self.templates)
        kinds += (self.account_events, self.errors, self.rejected)
        return [update for updates in kinds for update in updates]


@dataclass(frozen=True)
class _Change:  # what every item of one changes[] entry shares
    waba_id: str
    field: str
    phone_number_id: str | None
    display_phone_number: str | None
    contacts: list[dict]


def parse_webhook(body: Any) -> WebhookBatch:
    """Parse one webhook POST body into every update it carries."""
    if not isinstance(body, dict):
        raise PayloadError("body is not a JSON object")
    if body.get("object") != "whatsapp_business_account":
        raise PayloadError(f"object is {body.get('object')!r}")
    if not isinstance(body.get("entry"), list):
        raise PayloadError("entry is not a list")
    batch = WebhookBatch([], [], [], [], [], [], [])
    for entry in body["entry"]:
        _parse_entry(batch, entry)
    return batch


def _parse_entry(batch: WebhookBatch, entry: Any) -> None:
    waba_id = _id_string(entry.get("id")) if isinstance(entry, dict) else None
    if waba_id is None:
        raise PayloadError("entry is not an object with an id")
    changes = entry.get("changes")
    if not isinstance(changes, list):
        batch.rejected.append(Rejected(waba_id, None, "changes is not a list", entry))
        return
    for change in changes:
        _parse_change(batch, waba_id, change)


def _parse_change(batch: WebhookBatch, waba_id: str, change: Any) -> None:
    field_name = _string(_object(change).get("field"))
    value = _object(change).get("value")
    if field_name is None or not isinstance(value, dict):
        reason = "change has no field" if field_name is None else "change has no value"
        batch.rejected.append(Rejected(waba_id, field_name, reason, change))
        return
    if len(field_name) > limits.FIELD:  # kept by name as a channel event
        reason = f"field is longer than {limits.FIELD} characters"
        batch.rejected.append(Rejected(waba_id, None, reason, change))
        return
    metadata = _object(value.get("metadata"))
    context = _Change(
        waba_id=waba_id,
        field=field_name,
        phone_number_id=_id_string(metadata.get("phone_number_id")),
        display_phone_number=_id_string(metadata.get("display_phone_number")),
        contacts=[c for c in _list(value.get("contacts")) if isinstance(c, dict)],
    )
    _FIELD_PARSERS.get(field_name, _parse_account)(batch, context, value)


def _parse_messages(batch: WebhookBatch, change: _Change, value: dict) -> None:
    if not {"messages", "statuses", "errors"} & value.keys():
        _reject(batch, change, "value has no messages, statuses or errors", value)
    _collect(batch, change, value.get("messages", []), _message, batch.messages)
    _collect(batch, change, value.get("statuses", []), _status, batch.statuses)
    if "errors" in value:
        _attempt(batch, change, _error_event, value["errors"], batch.errors)


def _parse_preferences(batch: WebhookBatch, change: _Change, value: dict) -> None:
    items = value.get("user_preferences")
    _collect(batch, change, items, _preference, batch.preferences)


def _parse_template(batch: WebhookBatch, change: _Change, value: dict) -> None:
    _attempt(batch, change, _template, value, batch.templates)


def _parse_account(batch: WebhookBatch, change: _Change, value: dict) -> None:
    # Unknown fields are kept, not refused: Meta adds fields without notice.
    event = AccountEvent(change.waba_id, change.field, change.phone_number_id, value)
    batch.account_events.append(event)


_Parser = Callable[[Any, _Change], Any]


def _collect(
    batch: WebhookBatch, change: _Change, items: Any, parse: _Parser, into: list
) -> None:
    if not isinstance(items, list):
        reason = f"expected a list of updates, got {type(items).__name__}"
        _reject(batch, change, reason, items)
        return
    for item in items:
        _attempt(batch, change, parse, item, into)


def _attempt(
    batch: WebhookBatch, change: _Change, parse: _Parser, item: Any, into: list
) -> None:
    try:
        into.append(parse(item, change))
    except _ItemError as error:
        _reject(batch, change, str(error), item)


def _reject(batch: WebhookBatch, change: _Change, reason: str, item: Any) -> None:
    batch.rejected.append(Rejected(change.waba_id, change.field, reason, item))


def _message(item: Any, change: _Change) -> InboundMessage:
    message = _required_object(item, "message")
    wamid = _required(message, "id", limits.WAMID)
    meta_type = _required(message, "type", limits.MESSAGE_TYPE)
    timestamp = _timestamp(message.get("timestamp"))
    sender = _identity(message.get("from"), message.get("from_user_id"), change)
    if sender.wa_id is None and sender.bsuid is None:
        raise _ItemError("message has no from or from_user_id")
    # "unknown" is the legacy name of "unsupported"; keep one name downstream.
    kind = "unsupported" if meta_type == "unknown" else meta_type
    parser = _CONTENT_PARSERS.get(kind)
    content = parser(message) if parser else {}
    details = {**content.pop("details", {}), **_common_details(message)}
    return InboundMessage(
        phone_number_id=_phone_number_id(change),
        display_phone_number=change.display_phone_number,
        waba_id=change.waba_id,
        wamid=wamid,
        type=kind,
        timestamp=timestamp,
        sender=sender,
        **_context_fields(message),
        **content,
        details=details,
        raw=message,
    )


def _context_fields(message: dict) -> dict[str, Any]:
    context = _object(message.get("context"))
    frequently = context.get("frequently_forwarded") is True
    return {
        # Forwarded contexts carry no id; only replies and product inquiries do.
        "reply_to_wamid": _fitting(
            _id_string(context.get("id")), limits.WAMID, "context.id"
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
        details["errors"] = list(_errors(message["errors"]))
    product = _object(message.get("context")).get("referred_product")
    if isinstance(product, dict):
        details["referred_product"] = product
    return details


def _text_content(message: dict) -> dict[str, Any]:
    return {"text": _string(_object(message.get("text")).get("body"))}


def _media_content(message: dict) -> dict[str, Any]:
    payload = _object(message.get(message["type"]))
    caption = _string(payload.get("caption"))
    media_id = _fitting(_id_string(payload.get("id")), limits.MEDIA_ID, "media id")
    if media_id is None:
        # Nothing to download, but the message still happened: keep it.
        return {"caption": caption}
    media = Media(
        media_id=media_id,
        mime_type=limits.fit(_string(payload.get("mime_type")), limits.MIME_TYPE),
        sha256=_string(payload.get("sha256")),
        filename=_string(payload.get("filename")),
        voice=payload.get("voice") is True,
        animated=payload.get("animated") is True,
        url=_string(payload.get("url")),
    )
    return {"caption": caption, "media": media}


def _location_content(message: dict) -> dict[str, Any]:
    location = _object(message.get("location"))
    return {"details": {key: location.get(key) for key in LOCATION_KEYS}}


def _contacts_content(message: dict) -> dict[str, Any]:
    # The shared cards live in messages[].contacts; value.contacts is the sender.
    return {"details": {"contacts": _list(message.get("contacts"))}}


def _interactive_content(message: dict) -> dict[str, Any]:
    # "interactive" can arrive without the object (its error is in value.errors).
    interactive = _object(message.get("interactive"))
    kind = _string(interactive.get("type"))
    reply = _object(interactive.get(kind)) if kind else {}
    details = {
        "interactive_type": kind,
        "reply_id": _id_string(reply.get("id")),
        "title": _string(reply.get("title")),
        "description": _string(reply.get("description")),
        "response": _decoded_json(reply.get("response_json")),
    }
    text = _string(reply.get("body")) if kind == "nfm_reply" else details["title"]
    return {"text": text, "details": details}


def _decoded_json(value: Any) -> Any:
    # nfm_reply.response_json is JSON inside a JSON string; keep it if undecodable
    # or nested too deeply to store (load_json is bounded, never RecursionError).
    try:
        return load_json(value) if isinstance(value, str) else value
    except ValueError:
        return value


def _button_content(message: dict) -> dict[str, Any]:
    button = _object(message.get("button"))
    text = _string(button.get("text"))
    return {"text": text, "details": {"payload": button.get("payload"), "text": text}}


def _reaction_content(message: dict) -> dict[str, Any]:
    reaction = _object(message.get("reaction"))
    return {
        "reaction_to_wamid": _fitting(
            _id_string(reaction.get("message_id")), limits.WAMID, "reaction.message_id"
        ),
        # An empty or missing emoji means the reaction was removed.
        "reaction_emoji": limits.fit(_string(reaction.get("emoji")), limits.EMOJI)
        or None,
    }


def _order_content(message: dict) -> dict[str, Any]:
    order = _object(message.get("order"))
    details = {
        "catalog_id": _id_string(order.get("catalog_id")),
        "product_items": _list(order.get("product_items")),
    }
    return {"text": _string(order.get("text")), "details": details}


def _system_content(message: dict) -> dict[str, Any]:
    system = _object(message.get("system"))
    details = {
        "system_type": _string(system.get("type")),
        "new_wa_id": _fitting(
            _wa_id(system.get("wa_id")), limits.WA_ID, "system.wa_id"
        ),
        "body": _string(system.get("body")),
    }
    if "identity" in message:
        details["identity"] = message["identity"]
    return {"text": details["body"], "details": details}


def _unsupported_content(message: dict) -> dict[str, Any]:
    unsupported_type = _string(_object(message.get("unsupported")).get("type"))
    errors = list(_errors(message.get("errors")))
    return {"details": {"unsupported_type": unsupported_type, "errors": errors}}


def _revoke_content(message: dict) -> dict[str, Any]:
    revoke = _object(message.get("revoke"))
    return {"target_wamid": _target_wamid(revoke)}


def _edit_content(message: dict) -> dict[str, Any]:
    edit = _object(message.get("edit"))
    new_message = _object(edit.get("message"))
    edited_type = _string(new_message.get("type"))
    payload = _object(new_message.get(edited_type)) if edited_type else {}
    return {
        "target_wamid": _target_wamid(edit),
        "text": _string(payload.get("body")),
        "caption": _string(payload.get("caption")),
        "details": {"edited_type": edited_type, "message": new_message},
    }


def _target_wamid(change: dict) -> str | None:
    original = _id_string(change.get("original_message_id"))
    return _fitting(original, limits.WAMID, "original_message_id")


def _status(item: Any, change: _Change) -> StatusUpdate:
    status = _required_object(item, "status")
    return StatusUpdate(
        phone_number_id=_phone_number_id(change),
        waba_id=change.waba_id,
        wamid=_required(status, "id", limits.WAMID),
        status=_required(status, "status", limits.STATUS),
        timestamp=_timestamp(status.get("timestamp")),
        # The wamid identifies the message: an unknown recipient is not fatal.
        # Nor is it stored (for a group it is the group's id): no bound.
        recipient=_identity(
            status.get("recipient_id"),
            status.get("recipient_user_id"),
            change,
            stored=False,
        ),
        errors=_errors(status.get("errors")),
        conversation=_object(status.get("conversation")) or None,
        pricing=_object(status.get("pricing")) or None,
        callback_data=_string(status.get("biz_opaque_callback_data")),
        raw=status,
    )


def _preference(item: Any, change: _Change) -> UserPreference:
    preference = _required_object(item, "user preference")
    return UserPreference(
        phone_number_id=_phone_number_id(change),
        waba_id=change.waba_id,
        identity=_identity(preference.get("wa_id"), preference.get("user_id"), change),
        category=_required(preference, "category", None),
        value=_required(preference, "value", limits.PREFERENCE),
        detail=_string(preference.get("detail")),
        timestamp=_timestamp(preference.get("timestamp")),
    )


def _template(value: dict, change: _Change) -> TemplateStatusUpdate:
    return TemplateStatusUpdate(
        waba_id=change.waba_id,
        template_id=_required(value, "message_template_id", limits.TEMPLATE_ID),
        name=limits.fit(
            _required(value, "message_template_name", None), limits.TEMPLATE_NAME
        ),
        language=_required(
            value, "message_template_language", limits.TEMPLATE_LANGUAGE
        ),
        event=_required(value, "event", limits.TEMPLATE_STATUS),
        reason=_string(value.get("reason")),  # null for some events, "NONE" for others
        category=limits.fit(
            _string(value.get("message_template_category")), limits.TEMPLATE_CATEGORY
        ),
        raw=value,
    )


def _error_event(errors: Any, change: _Change) -> ErrorEvent:
    if not isinstance(errors, list):
        raise _ItemError("errors is not a list")
    return ErrorEvent(change.waba_id, change.phone_number_id, _errors(errors))


def _errors(errors: Any) -> tuple[dict, ...]:
    return tuple(_error(_object(error)) for error in _list(errors))


def _error(error: dict) -> dict:
    # New payloads nest details in error_data; legacy "unknown" ones do not.
    details = _object(error.get("error_data")).get("details", error.get("details"))
    return {
        # A code that is no number, or none a column holds, is as good as none.
        "code": limits.error_code(error.get("code")),
        "title": limits.fit(_string(error.get("title")), limits.ERROR_TITLE),
        "message": _string(error.get("message")),
        "details": _string(details),
    }


def _identity(wa_id: Any, bsuid: Any, change: _Change, stored: bool = True) -> Identity:
    wa_id, bsuid = _wa_id(wa_id), _id_string(bsuid)
    contact = _contact_for(change.contacts, wa_id, bsuid)
    profile = _object(contact.get("profile"))
    identity = Identity(
        wa_id=wa_id or _wa_id(contact.get("wa_id")),
        bsuid=bsuid or _id_string(contact.get("user_id")),
        parent_bsuid=_id_string(contact.get("parent_user_id")),
        name=limits.fit(_string(profile.get("name")), limits.PROFILE_NAME),
        username=_string(profile.get("username")),
    )
    if stored:  # the contact resolver writes these into the contact's row
        _fitting(identity.wa_id, limits.WA_ID, "wa_id")
        _fitting(identity.bsuid, limits.BSUID, "user_id")
        _fitting(identity.parent_bsuid, limits.BSUID, "parent_user_id")
        _fitting(identity.username, limits.USERNAME, "username")
    return identity


def _contact_for(contacts: list[dict], wa_id: str | None, bsuid: str | None) -> dict:
    # Match on either id: in the BSUID era the phone number may be withheld.
    for contact in contacts:
        if wa_id and _wa_id(contact.get("wa_id")) == wa_id:
            return contact
        if bsuid and _id_string(contact.get("user_id")) == bsuid:
            return contact
    return contacts[0] if len(contacts) == 1 else {}


def _phone_number_id(change: _Change) -> str:
    if change.phone_number_id is None:
        raise _ItemError("value.metadata has no phone_number_id")
    return change.phone_number_id


def _timestamp(value: Any) -> datetime:
    # Strings in messages and statuses, ints in user_preferences and entry.time.
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _ItemError(f"timestamp {value!r} is not unix seconds")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise _ItemError(f"timestamp {value!r} is out of range") from error


def _required_object(item: Any, what: str) -> dict:
    if not isinstance(item, dict):
        raise _ItemError(f"{what} is not an object")
    return item


def _required(item: dict, key: str, length: int | None) -> str:
    # length: the bound of the identifier (payloads_limits); None if it is kept
    # in no bounded column.
    value = _id_string(item.get(key))
    if value is None:
        raise _ItemError(f"missing {key}")
    return value if length is None else _fitting(value, length, key)


def _fitting(value: str | None, length: int, what: str) -> str | None:
    # An identifier is never shortened (it could name another message or
    # person): an over-long one makes its item malformed, kept as Rejected.
    if value is not None and len(value) > length:
        raise _ItemError(f"{what} is longer than {length} characters")
    return value


def _id_string(value: Any) -> str | None:
    # Ids are strings, except a few Meta sends as numbers (message_template_id).
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) and value else None


def _wa_id(value: Any) -> str | None:
    return (_id_string(value) or "").lstrip("+") or None


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _object(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


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

_FIELD_PARSERS: dict[str, Callable[[WebhookBatch, _Change, dict], None]] = {
    "messages": _parse_messages,
    "user_preferences": _parse_preferences,
    "message_template_status_update": _parse_template,
}
