"""Parse coexistence fields: `smb_message_echoes` and `history`.

With coexistence the business keeps using the WhatsApp Business app on the same
number. Messages typed in the app come back as echoes (shaped like messages[],
but `from` is the business and `to` the customer); `history` carries the chats of
the 180 days before onboarding, in chunks of threads per customer. Both become
CoexistenceMessage items whose InboundMessage names the customer as `sender`
whichever way the message went, so contacts resolve the same way as for messages.
"""

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .account import AccountEvent
from .groups import group_event, is_group_item
from .items import Change, attempt, reject
from .messages import InboundMessage, message
from .values import ItemError, as_dict, as_list, as_str, errors, required_object, wa_id

if TYPE_CHECKING:  # batch.py dispatches to this module
    from .batch import WebhookBatch

ECHO = "echo"
HISTORY = "history"


@dataclass(frozen=True)
class CoexistenceMessage:
    message: InboundMessage  # sender: the customer, also for outbound messages
    origin: str  # "echo" (typed in the app now) | "history" (synced past chats)
    outbound: bool  # sent by the business (from the app)
    status: str | None = None  # history_context.status, lower case

    @property
    def waba_id(self) -> str:
        return self.message.waba_id

    @property
    def phone_number_id(self) -> str:
        return self.message.phone_number_id


def parse_echoes(batch: "WebhookBatch", change: Change, value: dict) -> None:
    """Collect a `smb_message_echoes` change: the business wrote from the app."""
    items = value.get("message_echoes")
    if not isinstance(items, list):
        reject(batch, change, "message_echoes is not a list", value)
        return
    for item in items:
        if is_group_item(item):
            batch.groups.append(
                group_event(
                    change.waba_id, change.phone_number_id, "group_echoes", item
                )
            )
            continue
        attempt(batch, change, _echo, item, batch.coexistence)


def parse_history(batch: "WebhookBatch", change: Change, value: dict) -> None:
    """Collect a `history` change: chunks of past threads, or the refusal to share."""
    chunks = value.get("history")
    if not isinstance(chunks, list):
        reject(batch, change, "history is not a list", value)
        return
    for chunk in chunks:
        chunk = as_dict(chunk)
        threads = as_list(chunk.get("threads"))
        for thread in threads:
            _parse_thread(batch, change, as_dict(thread), batch.coexistence)
        # Progress and errors (2593109: sharing declined) for the channel's log;
        # the messages themselves are counted, never copied into it.
        summary = {
            "metadata": as_dict(chunk.get("metadata")),
            "threads": len(threads),
            "messages": sum(len(as_list(as_dict(t).get("messages"))) for t in threads),
        }
        if "errors" in chunk:
            summary["errors"] = list(errors(chunk["errors"]))
        batch.account_events.append(
            AccountEvent(change.waba_id, change.field, change.phone_number_id, summary)
        )


def _parse_thread(batch, change: Change, thread: dict, into: list) -> None:
    customer = wa_id(thread.get("id"))
    for item in as_list(thread.get("messages")):
        attempt(
            batch,
            change,
            lambda item, change: _history_message(item, change, customer),
            item,
            into,
        )


def _echo(item: Any, change: Change) -> CoexistenceMessage:
    echo = required_object(item, "message echo")
    if echo.get("to") is None and echo.get("to_user_id") is None:
        raise ItemError("message echo has no to or to_user_id")
    as_received = {
        **echo,
        "from": echo.get("to"),
        "from_user_id": echo.get("to_user_id"),
    }
    return CoexistenceMessage(_customer_message(as_received, echo, change), ECHO, True)


def _history_message(
    item: Any, change: Change, customer: str | None
) -> CoexistenceMessage:
    entry = required_object(item, "history message")
    sender = wa_id(entry.get("from"))
    # Meta adds `to` only to what the business sent; the thread id is the customer.
    outbound = entry.get("to") is not None or (
        customer is not None and sender is not None and sender != customer
    )
    customer = customer or wa_id(entry.get("to") if outbound else entry.get("from"))
    if customer is None:
        raise ItemError("history message has no customer")
    as_received = {**entry, "from": customer}
    status = as_str(as_dict(entry.get("history_context")).get("status"))
    return CoexistenceMessage(
        _customer_message(as_received, entry, change),
        HISTORY,
        outbound,
        status.lower() if status else None,
    )


def _customer_message(as_received: dict, raw: dict, change: Change) -> InboundMessage:
    # Reuse the messages[] parser for every content type; keep the item as sent.
    return replace(message(as_received, change), raw=raw)
