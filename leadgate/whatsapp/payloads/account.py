"""Parse the fields about the account: template status and every other field.

Quality ratings, account updates and whatever field Meta adds next are kept
as AccountEvents with their value, for the channel's log.
"""

from dataclasses import dataclass

from . import limits
from .items import Change
from .values import as_str, required


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


def template(value: dict, change: Change) -> TemplateStatusUpdate:
    """Parse a message_template_status_update value."""
    return TemplateStatusUpdate(
        waba_id=change.waba_id,
        template_id=required(value, "message_template_id", limits.TEMPLATE_ID),
        name=limits.fit(
            required(value, "message_template_name", None), limits.TEMPLATE_NAME
        ),
        language=required(value, "message_template_language", limits.TEMPLATE_LANGUAGE),
        event=required(value, "event", limits.TEMPLATE_STATUS),
        reason=as_str(value.get("reason")),  # null for some events, "NONE" for others
        category=limits.fit(
            as_str(value.get("message_template_category")), limits.TEMPLATE_CATEGORY
        ),
        raw=value,
    )


def account_event(value: dict, change: Change) -> AccountEvent:
    """Keep a field's value as it came."""
    return AccountEvent(change.waba_id, change.field, change.phone_number_id, value)
