"""Meta → us: the verification handshake and signed webhook POSTs, one URL per channel."""

import hashlib
import hmac
import json
import logging

from flask import Blueprint, abort, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..channels.services import app_secret
from ..extensions import csrf, db, limiter
from ..models import Channel, WebhookEvent
from . import ingest

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
log = logging.getLogger(__name__)


def channel_by_key(key: str) -> Channel:
    channel = db.session.scalar(select(Channel).where(Channel.key == key))
    if channel is None:
        abort(404)
    return channel


def signature_valid(body: bytes, header: str | None, secret: str) -> bool:
    """HMAC-SHA256 of the raw bytes as received (Meta escapes them; never re-serialise)."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower())


def looks_like_whatsapp(body: bytes) -> bool:
    try:
        payload = json.loads(body)
    except ValueError:
        return False
    return (
        isinstance(payload, dict)
        and payload.get("object") == "whatsapp_business_account"
        and isinstance(payload.get("entry"), list)
    )


@bp.get("/whatsapp/<key>")
@limiter.exempt
def verify(key: str):
    channel = channel_by_key(key)
    token = request.args.get("hub.verify_token", "")
    if request.args.get("hub.mode") != "subscribe" or not hmac.compare_digest(
        token.encode(), channel.verify_token.encode()
    ):
        return "Forbidden", 403, {"Content-Type": "text/plain"}
    # Echo the challenge verbatim: Meta sends digits, but documents it as a string.
    return request.args.get("hub.challenge", ""), 200, {"Content-Type": "text/plain"}


@bp.post("/whatsapp/<key>")
@csrf.exempt
@limiter.exempt
def receive(key: str):
    channel = channel_by_key(key)
    body = request.get_data(cache=False)
    if not signature_valid(
        body, request.headers.get("X-Hub-Signature-256"), app_secret(channel)
    ):
        log.warning("Webhook for channel %s refused: bad signature", channel.id)
        return "Invalid signature", 401, {"Content-Type": "text/plain"}
    if not looks_like_whatsapp(body):
        return "Not a WhatsApp webhook payload", 400, {"Content-Type": "text/plain"}
    try:
        event = WebhookEvent(channel_id=channel.id, body=body)
        db.session.add(event)
        db.session.commit()  # durable before Meta hears 200
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("Webhook for channel %s not stored; Meta will retry", channel.id)
        return (
            "Temporarily unavailable",
            503,
            {"Content-Type": "text/plain", "Retry-After": "5"},
        )
    ingest.schedule_processing()
    return "", 200
