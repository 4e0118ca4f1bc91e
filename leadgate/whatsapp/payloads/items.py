"""What the items of every webhook field share: their change, sender and fate.

`Change` is the context of one changes[] entry; `identity` reads a WhatsApp
user from an item and its value.contacts[]; `collect` and `attempt` parse items
one by one and keep each one that fails as a `Rejected`, beside its siblings.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from . import limits
from .values import (
    ItemError,
    as_dict,
    as_str,
    errors,
    fitting,
    id_string,
    wa_id,
)


@dataclass(frozen=True)
class Change:  # what every item of one changes[] entry shares
    waba_id: str
    field: str
    phone_number_id: str | None
    display_phone_number: str | None
    contacts: list[dict]


@dataclass(frozen=True)
class Identity:
    wa_id: str | None = None  # phone number, digits only (from / wa_id / recipient_id)
    bsuid: str | None = None  # user_id / from_user_id / recipient_user_id
    parent_bsuid: str | None = None  # parent_user_id
    name: str | None = None  # contacts[].profile.name
    username: str | None = None  # contacts[].profile.username


@dataclass(frozen=True)
class Rejected:  # an item that could not be understood, kept so nothing is lost
    waba_id: str | None
    field: str | None
    reason: str
    item: Any


@dataclass(frozen=True)
class ErrorEvent:  # value.errors: system, app or account level errors
    waba_id: str
    phone_number_id: str | None
    errors: tuple[dict, ...]


class KeepsRejected(Protocol):  # the batch, as the item parsers see it
    rejected: list[Rejected]


Parser = Callable[[Any, Change], Any]


def collect(
    batch: KeepsRejected, change: Change, items: Any, parse: Parser, into: list
) -> None:
    """Parse each item of a list into `into`; reject what is no list or no item."""
    if not isinstance(items, list):
        reason = f"expected a list of updates, got {type(items).__name__}"
        reject(batch, change, reason, items)
        return
    for item in items:
        attempt(batch, change, parse, item, into)


def attempt(
    batch: KeepsRejected, change: Change, parse: Parser, item: Any, into: list
) -> None:
    """Parse one item into `into`, or keep it as Rejected."""
    try:
        into.append(parse(item, change))
    except ItemError as error:
        reject(batch, change, str(error), item)


def reject(batch: KeepsRejected, change: Change, reason: str, item: Any) -> None:
    """Keep an item the parser could not understand."""
    batch.rejected.append(Rejected(change.waba_id, change.field, reason, item))


def error_event(value: Any, change: Change) -> ErrorEvent:
    """Parse a value.errors list."""
    if not isinstance(value, list):
        raise ItemError("errors is not a list")
    return ErrorEvent(change.waba_id, change.phone_number_id, errors(value))


def phone_number_id(change: Change) -> str:
    """The change's metadata.phone_number_id; ItemError if it has none."""
    if change.phone_number_id is None:
        raise ItemError("value.metadata has no phone_number_id")
    return change.phone_number_id


def identity(
    wa_id_value: Any, bsuid_value: Any, change: Change, stored: bool = True
) -> Identity:
    """The WhatsApp user these ids name, completed from value.contacts[]."""
    phone, bsuid = wa_id(wa_id_value), id_string(bsuid_value)
    contact = _contact_for(change.contacts, phone, bsuid)
    profile = as_dict(contact.get("profile"))
    found = Identity(
        wa_id=phone or wa_id(contact.get("wa_id")),
        bsuid=bsuid or id_string(contact.get("user_id")),
        parent_bsuid=id_string(contact.get("parent_user_id")),
        name=limits.fit(as_str(profile.get("name")), limits.PROFILE_NAME),
        username=as_str(profile.get("username")),
    )
    if stored:  # the contact resolver writes these into the contact's row
        fitting(found.wa_id, limits.WA_ID, "wa_id")
        fitting(found.bsuid, limits.BSUID, "user_id")
        fitting(found.parent_bsuid, limits.BSUID, "parent_user_id")
        fitting(found.username, limits.USERNAME, "username")
    return found


def _contact_for(contacts: list[dict], phone: str | None, bsuid: str | None) -> dict:
    # Match on either id: in the BSUID era the phone number may be withheld.
    for contact in contacts:
        if phone and wa_id(contact.get("wa_id")) == phone:
            return contact
        if bsuid and id_string(contact.get("user_id")) == bsuid:
            return contact
    return contacts[0] if len(contacts) == 1 else {}
