"""A number's throughput level at Meta: kept from the Graph API and webhooks, shown.

Meta grants 80 messages/s per number (STANDARD), 1,000 after its automatic
upgrade (HIGH) and a fixed 20 to a number also used in the WhatsApp Business app
(coexistence); inbound messages count too. The level is read when a number is
connected, daily and on "Verbindung testen" (services.refresh_number), and a
phone_number_quality_update webhook announces changes: THROUGHPUT_UPGRADE means
HIGH, any other event asks Meta again. Delivery paces each number below
min(WHATSAPP_RATE_PER_SECOND, its level) and learns the rest from Meta's answers
(outbound/throughput.py).
"""

import logging
import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from ..models import Channel, utcnow
from ..outbound import throughput as pace

log = logging.getLogger(__name__)

LEVEL_MPS = {"STANDARD": 80, "HIGH": 1000}
COEXISTENCE = "COEXISTENCE"  # our name: Meta reports is_on_biz_app instead
COEXISTENCE_MPS = 20
UPGRADE_EVENT = "THROUGHPUT_UPGRADE"
LEVEL_LENGTH = 32


def set_level(channel: Channel, level: str | None, on_business_app: bool = False):
    """Keep Meta's level and the messages/s it grants (None: a level we do not know)."""
    if on_business_app:
        level = COEXISTENCE
    if level is not None and len(level) > LEVEL_LENGTH:
        log.warning("Graph answer: throughput level too long, not kept")
        level = None
    channel.throughput_level = level
    channel.throughput_mps = (
        COEXISTENCE_MPS if level == COEXISTENCE else LEVEL_MPS.get(level or "")
    )
    channel.throughput_checked_at = utcnow()


def digits(value: object) -> str:
    return re.sub(r"\D", "", value) if isinstance(value, str) else ""


def apply_quality_update(channel: Channel, value: dict) -> bool:
    """A phone_number_quality_update for this channel; True: ask Meta for the level.

    The webhook names the number only by its display number (it comes per WABA).
    """
    announced, own = (
        digits(value.get("display_phone_number")),
        digits(channel.display_phone),
    )
    if announced and own and announced != own:
        return False  # another number of the same WABA
    if value.get("event") == UPGRADE_EVENT:
        set_level(channel, "HIGH")
        log.info("Channel %s: throughput upgraded", channel.id)
        return False
    return True


@dataclass(frozen=True)
class PaceView:
    """What the settings page says about a number's pace."""

    rate: int  # messages/s in force now
    level: str | None
    level_mps: int | None
    configured: int
    throttled: bool
    paused_seconds: int


def pace_view(channel: Channel) -> PaceView:
    ceiling = pace.ceiling(channel.throughput_mps)
    now = pace.pace_of(channel.id, ceiling)
    return PaceView(
        rate=max(1, round(now.rate)),
        level=channel.throughput_level,
        level_mps=channel.throughput_mps,
        configured=round(current_app.config["WHATSAPP_RATE_PER_SECOND"]),
        throttled=now.throttled,
        paused_seconds=round(now.paused_seconds),
    )


def describe(view: PaceView) -> str:
    """One line for the settings page, e.g. "Tempo: 40 Nachrichten/s (…)"."""
    if view.level_mps:
        granted = _(
            "Meta erlaubt %(mps)s/s, Stufe %(level)s",
            mps=view.level_mps,
            level=view.level,
        )
    else:
        granted = _(
            "Stufe bei Meta noch unbekannt, eingestellt sind %(rate)s/s",
            rate=view.configured,
        )
    if view.paused_seconds:
        return _(
            "Tempo: pausiert, Meta stellt die Nummer um, noch %(seconds)s s "
            "(%(granted)s)",
            seconds=view.paused_seconds,
            granted=granted,
        )
    if view.throttled:
        return _(
            "Tempo: %(rate)s Nachrichten/s (%(granted)s; gedrosselt nach Durchsatzfehler)",
            rate=view.rate,
            granted=granted,
        )
    return _(
        "Tempo: %(rate)s Nachrichten/s (%(granted)s)", rate=view.rate, granted=granted
    )
