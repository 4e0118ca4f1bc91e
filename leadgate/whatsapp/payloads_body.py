"""Parse a stored webhook body: bounded JSON, payloads.py, and the fields of 2025–26.

payloads.parse_webhook understands the classic fields and keeps every other one
as an AccountEvent. Here the newer fields it kept are parsed further — calls
(payloads_calls), coexistence echoes and history (payloads_coexistence) — and
group items are taken out of messages and statuses (payloads_groups), so that no
group id ever reaches the contact resolver. Pure functions, like payloads.py.
"""

from dataclasses import dataclass, field
from typing import Any

from .payloads import WebhookBatch, _Change, parse_webhook
from .payloads_calls import CallEvent, parse_calls
from .payloads_coexistence import CoexistenceMessage, parse_echoes, parse_history
from .payloads_groups import GroupEvent, group_event, is_group_item
from .payloads_json import load_json

NEWER_FIELDS = ("calls", "smb_message_echoes", "history")


@dataclass
class FullBatch(WebhookBatch):
    calls: list[CallEvent] = field(default_factory=list)
    coexistence: list[CoexistenceMessage] = field(default_factory=list)
    groups: list[GroupEvent] = field(default_factory=list)

    def _updates(self) -> list[Any]:
        return [*super()._updates(), *self.calls, *self.coexistence, *self.groups]


def parse_body(body: bytes) -> FullBatch:
    """Decode (bounded depth) and parse a webhook body; ValueError if unreadable."""
    return parse_full(load_json(body))


def parse_full(payload: Any) -> FullBatch:
    """Parse a decoded body into every update it carries, newer fields included."""
    batch = FullBatch(**vars(parse_webhook(payload)))
    events, batch.account_events = batch.account_events, []
    for event in events:
        if event.field in NEWER_FIELDS:
            _parse_newer(batch, event)  # history adds a summary event of its own
        else:
            batch.account_events.append(event)
    _take_out_groups(batch)
    return batch


def _parse_newer(batch: FullBatch, event) -> None:
    metadata = event.value.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    display = metadata.get("display_phone_number")
    contacts = event.value.get("contacts")
    change = _Change(
        waba_id=event.waba_id,
        field=event.field,
        phone_number_id=event.phone_number_id,
        display_phone_number=display if isinstance(display, str) else None,
        contacts=[c for c in contacts if isinstance(c, dict)]
        if isinstance(contacts, list)
        else [],
    )
    if event.field == "calls":
        parse_calls(batch, change, event.value, batch.calls)
    elif event.field == "smb_message_echoes":
        parse_echoes(batch, change, event.value, batch.coexistence, batch.groups)
    else:
        parse_history(batch, change, event.value, batch.coexistence)


def _take_out_groups(batch: FullBatch) -> None:
    """Group messages and statuses become channel events, never contacts."""
    for kind, items in (
        ("group_messages", batch.messages),
        ("group_statuses", batch.statuses),
    ):
        groups = [item for item in items if is_group_item(item.raw)]
        if groups:
            items[:] = [item for item in items if not is_group_item(item.raw)]
            batch.groups.extend(
                group_event(item.waba_id, item.phone_number_id, kind, item.raw)
                for item in groups
            )
