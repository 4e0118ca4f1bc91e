"""Parse user_preferences[] items: a user stops or resumes marketing messages."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import limits
from .items import Change, Identity, identity, phone_number_id
from .values import as_str, required, required_object, timestamp


@dataclass(frozen=True)
class UserPreference:
    phone_number_id: str
    waba_id: str
    identity: Identity
    category: str  # e.g. "marketing_messages"
    value: str  # "stop" | "resume"
    detail: str | None
    timestamp: datetime


def preference(item: Any, change: Change) -> UserPreference:
    """Parse one user_preferences[] item."""
    received = required_object(item, "user preference")
    return UserPreference(
        phone_number_id=phone_number_id(change),
        waba_id=change.waba_id,
        identity=identity(received.get("wa_id"), received.get("user_id"), change),
        category=required(received, "category", None),
        value=required(received, "value", limits.PREFERENCE),
        detail=as_str(received.get("detail")),
        timestamp=timestamp(received.get("timestamp")),
    )
