"""Read single values out of Meta's JSON: ids, strings, timestamps and errors.

Every reader is lenient about shape (a wrong type reads as absent) and strict
about what the drain stores: `required` and `fitting` raise ItemError, which
the walk (batch.py) turns into a Rejected item, so nothing Meta sent is lost.
"""

from datetime import UTC, datetime
from typing import Any

from . import limits


class ItemError(ValueError):
    """One item inside a valid envelope cannot be understood."""


def timestamp(value: Any) -> datetime:
    """Unix seconds as an aware UTC datetime; ItemError if they are none."""
    # Strings in messages and statuses, ints in user_preferences and entry.time.
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ItemError(f"timestamp {value!r} is not unix seconds")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise ItemError(f"timestamp {value!r} is out of range") from error


def required_object(item: Any, what: str) -> dict:
    """The item itself if it is a JSON object; ItemError otherwise."""
    if not isinstance(item, dict):
        raise ItemError(f"{what} is not an object")
    return item


def required(item: dict, key: str, length: int | None) -> str:
    """The id under `key`, at most `length` long; ItemError if absent or longer."""
    # length: the bound of the identifier (limits.py); None if it is kept in no
    # bounded column.
    value = id_string(item.get(key))
    if value is None:
        raise ItemError(f"missing {key}")
    if length is not None:
        fitting(value, length, key)
    return value


def fitting(value: str | None, length: int, what: str) -> str | None:
    """The identifier unchanged; ItemError if it is longer than its column."""
    # An identifier is never shortened (it could name another message or
    # person): an over-long one makes its item malformed, kept as Rejected.
    if value is not None and len(value) > length:
        raise ItemError(f"{what} is longer than {length} characters")
    return value


def id_string(value: Any) -> str | None:
    """An id as a non-empty string, or None."""
    # Ids are strings, except a few Meta sends as numbers (message_template_id).
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) and value else None


def wa_id(value: Any) -> str | None:
    """A phone number's digits (a leading "+" dropped), or None."""
    return (id_string(value) or "").lstrip("+") or None


def as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def errors(value: Any) -> tuple[dict, ...]:
    """Meta's error objects, each as {"code", "title", "message", "details"}."""
    return tuple(_error(as_dict(error)) for error in as_list(value))


def _error(error: dict) -> dict:
    # New payloads nest details in error_data; legacy "unknown" ones do not.
    details = as_dict(error.get("error_data")).get("details", error.get("details"))
    return {
        # A code that is no number, or none a column holds, is as good as none.
        "code": limits.error_code(error.get("code")),
        "title": limits.fit(as_str(error.get("title")), limits.ERROR_TITLE),
        "message": as_str(error.get("message")),
        "details": as_str(details),
    }
