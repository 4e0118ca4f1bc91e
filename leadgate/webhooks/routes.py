"""Meta → us: the verification handshake and signed webhook POSTs, one URL per channel."""

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass

import psycopg
from flask import Blueprint, Flask, abort, current_app, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from .. import metrics
from ..channels.services import app_secret
from ..extensions import csrf, db, limiter
from ..models import Channel
from ..whatsapp.payloads_json import load_json
from . import ingest
from .writer import WebhookWriter, writer_for

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChannelKeys:
    id: int
    verify_token: str
    app_secret: str
    loaded_at: float


# Webhooks arrive by the thousand per second: each process keeps what it needs to
# check them for a short while instead of querying and decrypting every time.
# A replaced app secret is therefore used everywhere within CACHE_SECONDS.
CACHE_SECONDS = 30.0
_keys_by_channel_key: dict[str, ChannelKeys] = {}


def channel_keys(key: str) -> ChannelKeys:
    cached = _keys_by_channel_key.get(key)
    if cached is not None and time.monotonic() - cached.loaded_at < CACHE_SECONDS:
        return cached
    channel = db.session.scalar(select(Channel).where(Channel.key == key))
    if channel is None:
        _keys_by_channel_key.pop(key, None)
        abort(404)
    cached = ChannelKeys(
        channel.id, channel.verify_token, app_secret(channel), time.monotonic()
    )
    db.session.rollback()  # hold no transaction while the request waits for the writer
    _keys_by_channel_key[key] = cached
    return cached


def forget_channel(key: str) -> None:
    """Drop a deleted channel's cached keys: its webhooks get a 404 here at once."""
    _keys_by_channel_key.pop(key, None)


def signature_valid(body: bytes, header: str | None, secret: str) -> bool:
    """HMAC-SHA256 of the raw bytes as received (Meta escapes them; never re-serialise)."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower())


def looks_like_whatsapp(body: bytes) -> bool:
    try:
        # Bounded: JSON nested a thousand deep raised RecursionError here (a 500
        # that Meta would retry for a week); now it is a 400 like any bad body.
        payload = load_json(body)
    except ValueError:
        return False
    return (
        isinstance(payload, dict)
        and payload.get("object") == "whatsapp_business_account"
        and isinstance(payload.get("entry"), list)
    )


@bp.errorhandler(SQLAlchemyError)
@bp.errorhandler(psycopg.Error)
def database_unavailable(error):
    """Database away while looking up a channel: 503, so Meta retries (not a 500)."""
    log.warning("Webhook not taken, database unavailable (%s)", type(error).__name__)
    return (
        "Temporarily unavailable",
        503,
        {"Content-Type": "text/plain", "Retry-After": "5"},
    )


@bp.after_request
def count_answer(response):
    """Count each webhook POST by its answer (the fast path counts in fast.answer)."""
    if request.method == "POST":
        metrics.count_webhook(response.status_code)
    return response


@bp.get("/whatsapp/<key>")
@limiter.exempt
def verify(key: str):
    channel = channel_keys(key)
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
    channel = channel_keys(key)
    body = request.get_data(cache=False)
    if not signature_valid(
        body, request.headers.get("X-Hub-Signature-256"), channel.app_secret
    ):
        log.warning("Webhook for channel %s refused: bad signature", channel.id)
        return "Invalid signature", 401, {"Content-Type": "text/plain"}
    if not looks_like_whatsapp(body):
        return "Not a WhatsApp webhook payload", 400, {"Content-Type": "text/plain"}
    try:
        writer_of(current_app._get_current_object()).store(channel.id, body)
    except (SQLAlchemyError, psycopg.Error, TimeoutError):
        # The channel may have been deleted meanwhile (its keys are cached here):
        # look it up again next time, so Meta's retry gets a 404.
        forget_channel(key)
        log.exception("Webhook for channel %s not stored; Meta will retry", channel.id)
        return (
            "Temporarily unavailable",
            503,
            {"Content-Type": "text/plain", "Retry-After": "5"},
        )
    return "", 200


# How often a web process asks for a drain while webhooks keep coming (one Redis
# call); a drain picks up everything committed before it starts.
SCHEDULE_EVERY_SECONDS = 0.05


def writer_of(app: Flask) -> WebhookWriter:
    """The app's group-commit writer; it schedules processing after its commits."""

    def schedule() -> None:
        with app.app_context():
            ingest.schedule_processing()

    # With an inline queue (tests) every batch is processed before its 200.
    every = SCHEDULE_EVERY_SECONDS if app.config["QUEUE_IS_ASYNC"] else 0.0
    return writer_for(
        id(app), db.engine, after_commit=schedule, after_commit_every=every
    )
