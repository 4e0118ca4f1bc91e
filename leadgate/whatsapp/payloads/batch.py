"""The walk over a webhook body: entry[] → changes[] → the parser of each field.

`parse_body` decodes (bounded depth) and `parse_webhook` parses one body into
a WebhookBatch that holds every update it carries. Only a wrong envelope
raises PayloadError; anything malformed inside it becomes a Rejected item.
Fields we do not parse are kept as AccountEvents: Meta adds fields without
notice. Group items are taken out of messages and statuses, so that no group
id ever reaches the contact resolver.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import limits
from .account import AccountEvent, TemplateStatusUpdate, account_event, template
from .calls import CallEvent, parse_calls
from .coexistence import CoexistenceMessage, parse_echoes, parse_history
from .depth import load_json
from .groups import GroupEvent, group_event, is_group_item
from .items import (
    Change,
    ErrorEvent,
    Rejected,
    attempt,
    collect,
    error_event,
    reject,
)
from .messages import InboundMessage, message
from .preferences import UserPreference, preference
from .statuses import StatusUpdate, status
from .values import as_dict, as_list, as_str, id_string


class PayloadError(ValueError):
    """The body is not a WhatsApp Business Account webhook payload."""


@dataclass
class WebhookBatch:
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    preferences: list[UserPreference] = field(default_factory=list)
    templates: list[TemplateStatusUpdate] = field(default_factory=list)
    account_events: list[AccountEvent] = field(default_factory=list)
    errors: list[ErrorEvent] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    calls: list[CallEvent] = field(default_factory=list)
    coexistence: list[CoexistenceMessage] = field(default_factory=list)
    groups: list[GroupEvent] = field(default_factory=list)

    def phone_number_ids(self) -> set[str]:
        """Return every metadata.phone_number_id of the parsed updates."""
        # Templates and rejected items carry no phone number id.
        kinds: tuple[list[Any], ...] = (self.messages, self.statuses, self.preferences)
        kinds += (self.account_events, self.errors)
        kinds += (self.calls, self.coexistence, self.groups)
        return {u.phone_number_id for us in kinds for u in us if u.phone_number_id}

    def waba_ids(self) -> set[str]:
        """Return every WhatsApp Business Account id seen in the batch."""
        return {update.waba_id for update in self._updates() if update.waba_id}

    def __len__(self) -> int:
        return len(self._updates())

    def _updates(self) -> list[Any]:
        kinds: tuple[list[Any], ...] = (self.messages, self.statuses)
        kinds += (self.preferences, self.templates)
        kinds += (self.account_events, self.errors, self.rejected)
        kinds += (self.calls, self.coexistence, self.groups)
        return [update for updates in kinds for update in updates]


def parse_body(body: bytes) -> WebhookBatch:
    """Decode (bounded depth) and parse a webhook body; ValueError if unreadable."""
    return parse_webhook(load_json(body))


def parse_webhook(body: Any) -> WebhookBatch:
    """Parse one decoded webhook POST body into every update it carries."""
    if not isinstance(body, dict):
        raise PayloadError("body is not a JSON object")
    if body.get("object") != "whatsapp_business_account":
        raise PayloadError(f"object is {body.get('object')!r}")
    if not isinstance(body.get("entry"), list):
        raise PayloadError("entry is not a list")
    batch = WebhookBatch()
    for entry in body["entry"]:
        _parse_entry(batch, entry)
    _take_out_groups(batch)
    return batch


def _parse_entry(batch: WebhookBatch, entry: Any) -> None:
    waba_id = id_string(entry.get("id")) if isinstance(entry, dict) else None
    if waba_id is None:
        raise PayloadError("entry is not an object with an id")
    changes = entry.get("changes")
    if not isinstance(changes, list):
        batch.rejected.append(Rejected(waba_id, None, "changes is not a list", entry))
        return
    for change in changes:
        _parse_change(batch, waba_id, change)


def _parse_change(batch: WebhookBatch, waba_id: str, change: Any) -> None:
    field_name = as_str(as_dict(change).get("field"))
    value = as_dict(change).get("value")
    if field_name is None or not isinstance(value, dict):
        reason = "change has no field" if field_name is None else "change has no value"
        batch.rejected.append(Rejected(waba_id, field_name, reason, change))
        return
    if len(field_name) > limits.FIELD:  # kept by name as a channel event
        reason = f"field is longer than {limits.FIELD} characters"
        batch.rejected.append(Rejected(waba_id, None, reason, change))
        return
    metadata = as_dict(value.get("metadata"))
    context = Change(
        waba_id=waba_id,
        field=field_name,
        phone_number_id=id_string(metadata.get("phone_number_id")),
        display_phone_number=id_string(metadata.get("display_phone_number")),
        contacts=[c for c in as_list(value.get("contacts")) if isinstance(c, dict)],
    )
    _FIELD_PARSERS.get(field_name, _parse_account)(batch, context, value)


def _parse_messages(batch: WebhookBatch, change: Change, value: dict) -> None:
    if not {"messages", "statuses", "errors"} & value.keys():
        reject(batch, change, "value has no messages, statuses or errors", value)
    collect(batch, change, value.get("messages", []), message, batch.messages)
    collect(batch, change, value.get("statuses", []), status, batch.statuses)
    if "errors" in value:
        attempt(batch, change, error_event, value["errors"], batch.errors)


def _parse_preferences(batch: WebhookBatch, change: Change, value: dict) -> None:
    items = value.get("user_preferences")
    collect(batch, change, items, preference, batch.preferences)


def _parse_template(batch: WebhookBatch, change: Change, value: dict) -> None:
    attempt(batch, change, template, value, batch.templates)


def _parse_account(batch: WebhookBatch, change: Change, value: dict) -> None:
    # Unknown fields are kept, not refused: Meta adds fields without notice.
    batch.account_events.append(account_event(value, change))


def _take_out_groups(batch: WebhookBatch) -> None:
    """Group messages and statuses become channel events, never contacts."""
    kinds: tuple[tuple[str, list[Any]], ...] = (
        ("group_messages", batch.messages),
        ("group_statuses", batch.statuses),
    )
    for kind, items in kinds:
        groups = [item for item in items if is_group_item(item.raw)]
        if groups:
            items[:] = [item for item in items if not is_group_item(item.raw)]
            batch.groups.extend(
                group_event(item.waba_id, item.phone_number_id, kind, item.raw)
                for item in groups
            )


_FIELD_PARSERS: dict[str, Callable[[WebhookBatch, Change, dict], None]] = {
    "messages": _parse_messages,
    "user_preferences": _parse_preferences,
    "message_template_status_update": _parse_template,
    "calls": parse_calls,
    "smb_message_echoes": parse_echoes,
    "history": parse_history,
}
