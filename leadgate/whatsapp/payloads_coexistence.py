"""Parse coexistence fields: `smb_message_echoes` and `history`.

With coexistence the business keeps using the WhatsApp Business app on the same
number. Messages typed in the app come back as echoes (shaped like messages[],
but `from` is the business and `to` the customer); `history` carries the chats of
the 180 days before onboarding, in chunks of threads per customer. Both become
CoexistenceMessage items whose InboundMessage names the customer as `sender`
whichever way the message went, so contacts resolve the same way as for messages.
"""

from dataclasses import dataclass, replace
from typing import Any

from .payloads import (
    AccountEvent,
    InboundMessage,
    WebhookBatch,
    _attempt,
    _Change,
    _errors,
    _ItemError,
    _list,
    _message,
    _object,
    _reject,
    _required_object,
    _string,
    _wa_id,
)
from .payloads_groups import group_event, is_group_item

ECHO = "echo"
HISTORY = "history"


@dataclass(frozen=True)
class CoexistenceMessage:
    message: InboundMessage  # sender: the customer, also for outbound messages
    origin: str  # "echo" (typed in the app now) | "history" (synced past chats)
    outbound: bool  # sent by the business (from the app)
    status: str | None = None  # history_context.status, lower case


def parse_echoes(
    batch: WebhookBatch, change: _Change, value: dict, into: list, groups: list
) -> None:
    """Collect a `smb_message_echoes` change: the business wrote from the app."""
    items = value.get("message_echoes")
    if not isinstance(items, list):
        _reject(batch, change, "message_echoes is not a list", value)
        return
    for item in items:
        if is_group_item(item):
            groups.append(
                group_event(
                    change.waba_id, change.phone_number_id, "group_echoes", item
                )
            )
            continue
        _attempt(batch, change, _echo, item, into)


def parse_history(batch: WebhookBatch, change: _Change, value: dict, into: list):
    """Collect a `history` change: chunks of past threads, or the refusal to share."""
    chunks = value.get("history")
    if not isinstance(chunks, list):
        _reject(batch, change, "history is not a list", value)
        return
    for chunk in chunks:
        chunk = _object(chunk)
        threads = _list(chunk.get("threads"))
        for thread in threads:
            _parse_thread(batch, change, _object(thread), into)
        # Progress and errors (2593109: sharing declined) for the channel's log;
        # the messages themselves are counted, never copied into it.
        summary = {
            "metadata": _object(chunk.get("metadata")),
            "threads": len(threads),
            "messages": sum(len(_list(_object(t).get("messages"))) for t in threads),
        }
        if "errors" in chunk:
            summary["errors"] = list(_errors(chunk["errors"]))
        batch.account_events.append(
            AccountEvent(change.waba_id, change.field, change.phone_number_id, summary)
        )


def _parse_thread(batch, change: _Change, thread: dict, into: list) -> None:
    customer = _wa_id(thread.get("id"))
    for item in _list(thread.get("messages")):
        _attempt(
            batch,
            change,
            lambda item, change: _history_message(item, change, customer),
            item,
            into,
        )


def _echo(item: Any, change: _Change) -> CoexistenceMessage:
    echo = _required_object(item, "message echo")
    if echo.get("to") is None and echo.get("to_user_id") is None:
        raise _ItemError("message echo has no to or to_user_id")
    as_received = {
        **echo,
        "from": echo.get("to"),
        "from_user_id": echo.get("to_user_id"),
    }
    return CoexistenceMessage(_customer_message(as_received, echo, change), ECHO, True)


def _history_message(
    item: Any, change: _Change, customer: str | None
) -> CoexistenceMessage:
    entry = _required_object(item, "history message")
    sender = _wa_id(entry.get("from"))
    # Meta adds `to` only to what the business sent; the thread id is the customer.
    outbound = entry.get("to") is not None or (
        customer is not None and sender is not None and sender != customer
    )
    customer = customer or _wa_id(entry.get("to") if outbound else entry.get("from"))
    if customer is None:
        raise _ItemError("history message has no customer")
    as_received = {**entry, "from": customer}
    status = _string(_object(entry.get("history_context")).get("status"))
    return CoexistenceMessage(
        _customer_message(as_received, entry, change),
        HISTORY,
        outbound,
        status.lower() if status else None,
    )


def _customer_message(as_received: dict, raw: dict, change: _Change) -> InboundMessage:
    # Reuse the messages[] parser for every content type; keep the item as sent.
    return replace(_message(as_received, change), raw=raw)
