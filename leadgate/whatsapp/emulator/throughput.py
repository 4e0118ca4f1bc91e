"""A number's throughput changing: maintenance (131057), the new level, the webhook.

Meta upgrades a number to 1,000 messages/s in up to a minute, during which sends
answer 131057, then announces it with a phone_number_quality_update webhook
(event THROUGHPUT_UPGRADE). Tests and benchmarks play that, or any other change
of level or limit, through POST /_admin/numbers/<id>/throughput.
"""

from .envelopes import field_envelope
from .models import Number, digits
from .state import Emulator
from .webhooks import dispatch

CHANGES = ("throughput_level", "throughput_mps", "is_on_biz_app")
UPGRADE = "THROUGHPUT_UPGRADE"


def change_throughput(emulator: Emulator, number: Number, body: dict) -> dict:
    """Apply {"throughput_level", "throughput_mps", "is_on_biz_app"} now or after
    {"maintenance_seconds"}; {"webhook": true} announces it (event: body["event"],
    THROUGHPUT_UPGRADE by default)."""
    changes = {key: body[key] for key in CHANGES if key in body}
    seconds = float(body.get("maintenance_seconds") or 0)
    event = str(body.get("event") or UPGRADE)
    answer: dict = {"maintenance_seconds": seconds, "webhook": None}

    def finish() -> None:
        updated = emulator.register_number(
            {"phone_number_id": number.phone_number_id, **changes}
        )
        if body.get("webhook"):
            answer["webhook"] = announce(emulator, updated, event)

    if seconds > 0:
        emulator.limits.start_maintenance(number, seconds)
        emulator.dispatcher.call_later(seconds, finish)
    else:
        finish()
    return answer


def announce(emulator: Emulator, number: Number, event: str) -> dict:
    """The phone_number_quality_update webhook (per WABA, names the display number)."""
    tier = "TIER_UNLIMITED" if event == UPGRADE else "TIER_100K"
    value = {
        "display_phone_number": digits(number.display_phone_number),
        "event": event,
        "current_limit": tier,
        "max_daily_conversations_per_business": tier,
    }
    webhook = field_envelope(
        number.waba_id, "phone_number_quality_update", value, emulator.clock.now()
    )
    dispatch(emulator, [number], webhook)
    return webhook
