"""Route the webhook fields Meta added in 2025–26: calls, coexistence and groups.

Calls and app messages go into the drain's inbound buffer like messages (one
insert for the batch, unique by channel and id), each with its origin; group
items become channel events, next to the account and quality webhooks.
"""

from ..extensions import db
from ..models import Channel, ChannelEvent
from ..whatsapp.payloads.batch import WebhookBatch
from ..whatsapp.payloads.items import Identity
from . import calls, coexistence
from .contacts import ContactResolver
from .inbound import InboundBuffer


def newer_senders(channel: Channel, batch: WebhookBatch) -> list[Identity]:
    """The contacts of this channel's calls and app messages (locked up front)."""
    return [
        *(c.contact for c in _mine(channel, getattr(batch, "calls", ()))),
        *(m.message.sender for m in _app_messages(channel, batch)),
    ]


def apply_newer(
    channel: Channel,
    batch: WebhookBatch,
    contacts: ContactResolver,
    inbound: InboundBuffer,
    result,
) -> None:
    """Buffer this channel's calls and app messages; keep group items as events."""
    every_call = getattr(batch, "calls", ())
    result.foreign += len(every_call) - len(_mine(channel, every_call))
    for call in _mine(channel, every_call):
        inbound.add(
            channel,
            contacts.resolve(call.contact),
            calls.call_message(call),
            result,
            origin=calls.CALL,
            direction="in" if call.user_initiated else "out",
            status="received" if call.user_initiated else "sent",
        )
    app_messages = _app_messages(channel, batch)
    result.foreign += len(getattr(batch, "coexistence", ())) - len(app_messages)
    for item in app_messages:
        inbound.add(
            channel,
            contacts.resolve(item.message.sender),
            item.message,
            result,
            origin=item.origin,
            **coexistence.placement(item.origin, item.outbound, item.status),
        )
    for group in getattr(batch, "groups", ()):
        if group.waba_id != channel.waba_id or group.phone_number_id not in (
            None,
            channel.phone_number_id,
        ):
            result.foreign += 1
            continue
        # A group id is never a contact: the item is kept for the channel's log.
        value = {"group_id": group.group_id, "item": group.item}
        db.session.add(
            ChannelEvent(channel_id=channel.id, field=group.field, value=value)
        )
        result.other += 1


def _mine(channel: Channel, items) -> list:
    return [i for i in items if i.phone_number_id == channel.phone_number_id]


def _app_messages(channel: Channel, batch: WebhookBatch) -> list:
    return [
        m
        for m in getattr(batch, "coexistence", ())
        if m.message.phone_number_id == channel.phone_number_id
    ]
