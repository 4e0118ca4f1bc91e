"""Items of WhatsApp groups (Groups API): kept as channel events, never as contacts.

Group metadata comes in its own fields (group_lifecycle_update, …), but group
messages and their statuses ride in the ordinary `messages` field, marked by a
`group_id` or `recipient_type: "group"`. A group id is no person: such items
must never create a contact, a conversation or a service window.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class GroupEvent:
    waba_id: str
    phone_number_id: str | None
    field: str  # group_messages | group_statuses | group_echoes
    group_id: str | None
    item: dict  # its ids, type, time and state only (see KEPT_KEYS)


# We do not process group chats: what a group member wrote, and who they are, is
# not kept (data minimisation); the channel's log only shows that the item came.
# The raw body stays for WEBHOOK_BODY_RETENTION_DAYS like every webhook body.
KEPT_KEYS = ("id", "type", "timestamp", "status", "recipient_type", "group_id")


def is_group_item(item: Any) -> bool:
    """Whether a messages[]/statuses[]/message_echoes[] item belongs to a group."""
    return isinstance(item, dict) and (
        item.get("recipient_type") == "group" or item.get("group_id") is not None
    )


def group_event(waba_id: str, phone_number_id: str | None, field: str, item: dict):
    """The channel event that keeps a group item instead of the inbox."""
    group_id = item.get("group_id")
    if group_id is None and item.get("recipient_type") == "group":
        group_id = item.get("recipient_id")  # statuses name the group there
    return GroupEvent(
        waba_id=waba_id,
        phone_number_id=phone_number_id,
        field=field,
        group_id=group_id if isinstance(group_id, str) else None,
        item={key: item[key] for key in KEPT_KEYS if key in item},
    )
