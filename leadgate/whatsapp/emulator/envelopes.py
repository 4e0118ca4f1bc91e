"""Webhook bodies in the shapes Meta sends (cloudapi.md, section 2)."""

from .models import Number, SentMessage

ERROR_HREF = "/documentation/business-messaging/whatsapp/support/error-codes"
# Webhooks of v24.0 and later no longer carry the `conversation` object.
LAST_VERSION_WITH_CONVERSATION = 23


def messages_envelope(number: Number, value: dict) -> dict:
    """Wrap a `messages` field value (contacts+messages, statuses or errors)."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": number.waba_id,
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": number.metadata(),
                            **value,
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def field_envelope(waba_id: str, field: str, value: dict, now: float) -> dict:
    """Wrap any other field (templates, account): `entry.time`, no metadata."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": waba_id,
                "time": int(now),
                "changes": [{"value": value, "field": field}],
            }
        ],
    }


def webhook_errors(code: int, title: str, details: str | None) -> list[dict]:
    error = {"code": code, "title": title, "message": title}
    if details:
        error["error_data"] = {"details": details}
    error["href"] = ERROR_HREF
    return [error]


def status_item(
    message: SentMessage,
    status: str,
    now: float,
    *,
    with_pricing: bool,
    errors: list[dict] | None = None,
) -> dict:
    """One statuses[] entry for a message the business sent."""
    item: dict = {"id": message.id, "status": status, "timestamp": str(int(now))}
    recipient_key = (
        "recipient_user_id" if message.recipient_is_bsuid else "recipient_id"
    )
    item[recipient_key] = message.recipient
    opaque = message.payload.get("biz_opaque_callback_data")
    if opaque:
        item["biz_opaque_callback_data"] = opaque
    if with_pricing and status != "failed":
        conversation = _conversation(message, status, now)
        if conversation:
            item["conversation"] = conversation
        item["pricing"] = message.pricing.to_webhook()
    if errors:
        item["errors"] = errors
    return item


def _conversation(message: SentMessage, status: str, now: float) -> dict | None:
    major = int(message.version.lstrip("v").split(".")[0])
    if major > LAST_VERSION_WITH_CONVERSATION:
        return None
    conversation: dict = {"id": message.conversation_id}
    if status == "sent":
        conversation["expiration_timestamp"] = str(int(now) + 24 * 60 * 60)
    conversation["origin"] = {"type": message.pricing.category}
    return conversation
