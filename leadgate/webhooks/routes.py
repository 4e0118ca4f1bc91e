"""Meta → us: the verification handshake and signed webhook POSTs, one URL per channel.

What a POST is checked for and answered lives in contract.py; the view below
and the WSGI fast path (fast.py) both answer through contract.accept.
"""

import hmac
import logging

import psycopg
from flask import Blueprint, Flask, abort, current_app, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import RequestEntityTooLarge

from .. import metrics
from ..channels.services import app_secret
from ..extensions import csrf, db, limiter
from ..models import Channel
from . import contract, ingest
from .contract import ChannelKeys, keys_cache
from .writer import WebhookWriter, writer_for

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
log = logging.getLogger(__name__)


def channel_keys(key: str) -> ChannelKeys:
    """The channel's keys from the cache, else from the database (404 if none)."""
    cached = keys_cache.get(key)
    if cached is not None:
        return cached
    channel = db.session.scalar(select(Channel).where(Channel.key == key))
    if channel is None:
        keys_cache.forget(key)
        abort(404)
    keys = keys_cache.put(key, channel.id, channel.verify_token, app_secret(channel))
    db.session.rollback()  # hold no transaction while the request waits for the writer
    return keys


def response(answer: contract.Answer):
    return answer.body, answer.status, dict(answer.headers)


@bp.errorhandler(SQLAlchemyError)
@bp.errorhandler(psycopg.Error)
def database_unavailable(error):
    """Database away while looking up a channel: 503, so Meta retries (not a 500)."""
    log.warning("Webhook not taken, database unavailable (%s)", type(error).__name__)
    return response(contract.UNAVAILABLE)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """Over MAX_CONTENT_LENGTH: the contract's 413, as on the fast path."""
    return response(contract.TOO_LARGE)


@bp.after_request
def count_answer(response):
    """Count each webhook POST by its answer (the fast path counts in fast.respond)."""
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
    store = writer_of(current_app._get_current_object()).store
    answer = contract.accept(
        key, channel, body, request.headers.get("X-Hub-Signature-256"), store
    )
    return response(answer)


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
