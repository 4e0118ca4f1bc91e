"""Connecting WhatsApp numbers: secrets encrypted at rest, a Graph client per channel."""

import logging
import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from ..crypto import decrypt, encrypt
from ..extensions import db
from ..models import Channel, Workspace
from ..queue import enqueue
from ..whatsapp.channels import client_for
from ..whatsapp.client import WhatsAppError
from ..whatsapp.payloads.limits import (
    DISPLAY_PHONE,
    ERROR_TITLE,
    QUALITY_RATING,
    VERIFIED_NAME,
    fit,
)
from . import throughput

log = logging.getLogger(__name__)


def create_channel(
    workspace: Workspace,
    *,
    name: str,
    phone_number_id: str,
    waba_id: str,
    access_token: str,
    app_secret: str,
    verify_token: str | None = None,
    display_phone: str | None = None,
) -> Channel:
    """Add a channel; the caller commits."""
    channel = Channel(
        workspace=workspace,
        name=name.strip(),
        phone_number_id=phone_number_id.strip(),
        waba_id=waba_id.strip(),
        display_phone=(display_phone or "").strip() or None,
        key=secrets.token_urlsafe(18),
        verify_token=verify_token or secrets.token_urlsafe(24),
    )
    set_secrets(channel, access_token=access_token, app_secret=app_secret)
    db.session.add(channel)
    return channel


def set_secrets(
    channel: Channel, access_token: str | None = None, app_secret: str | None = None
) -> None:
    """Replace the access token and/or app secret (they are never shown again)."""
    if access_token:
        channel.access_token_encrypted = encrypt(access_token.strip())
        channel.needs_new_token = False
    if app_secret:
        channel.app_secret_encrypted = encrypt(app_secret.strip())


def app_secret(channel: Channel) -> str:
    return decrypt(channel.app_secret_encrypted)


def test_connection(channel: Channel) -> None:
    """Fetch the number's details from the Graph API and keep them; raises WhatsAppError.

    Its throughput level too: the pace of its sends follows it (throughput.py).
    """
    with client_for(channel) as client:
        info = client.get_phone_number(channel.phone_number_id)
    throughput.set_level(channel, info.throughput_level, info.on_business_app)
    # The name is cut to fit; a number or rating too long for its column is
    # not kept (shortened, it would be another number, or no rating at all).
    channel.verified_name = fit(info.verified_name, VERIFIED_NAME)
    channel.display_phone = (
        fitting(info.display_phone_number, DISPLAY_PHONE, "display_phone_number")
        or channel.display_phone
    )
    channel.quality_rating = fitting(
        info.quality_rating, QUALITY_RATING, "quality_rating"
    )
    channel.needs_new_token = False


def refresh_number(channel_id: int) -> None:
    """Read a number's details and throughput level from the Graph API."""
    channel = db.session.get(Channel, channel_id)
    if channel is None:
        return
    try:
        test_connection(channel)
    except WhatsAppError as error:
        # The pace keeps its last level; the next daily read tries again.
        if error.token_invalid:
            channel.needs_new_token = True
        log.warning("Channel %s: number not read (error %s)", channel_id, error.code)
    db.session.commit()


def refresh_all_numbers() -> int:
    """Daily: read every number's details and throughput level, one job each."""
    channel_ids = db.session.scalars(select(Channel.id).order_by(Channel.id)).all()
    for channel_id in channel_ids:
        enqueue(refresh_number, channel_id, queue="low")
    return len(channel_ids)


def fitting(value: str | None, length: int, field: str) -> str | None:
    """The value if it fits its column, else None (and a log line, never the value)."""
    if value is not None and len(value) > length:
        log.warning(
            "Graph answer: %s longer than %d characters, not kept", field, length
        )
        return None
    return value


def describe_error(error: WhatsAppError) -> str:
    """The Graph error in plain words for the settings page."""
    if error.token_invalid:
        return _(
            "Der Zugriffstoken ist ungültig oder abgelaufen. Bitte hinterlegen Sie einen neuen."
        )
    if error.code is None:
        return _(
            "Die Graph API ist nicht erreichbar. Bitte versuchen Sie es später erneut."
        )
    if error.code == 100:
        return _(
            "Meta kennt diese Telefonnummer-ID nicht oder der Token hat keinen Zugriff darauf."
        )
    if error.code in (4, 80007, 130429):
        return _("Meta meldet zu viele Anfragen. Bitte warten Sie kurz.")
    return _(
        "Meta meldet Fehler %(code)s: %(message)s",
        code=error.code,
        message=fit(error.message, ERROR_TITLE),
    )
