"""The HTTP contract of a webhook POST, in one place: what is checked, what is answered.

Meta retries whatever is not a 2xx for up to a week, so every answer means
something: 200 once the body is committed, 401 for a bad signature, 400 for a
body that is no WhatsApp webhook, 413 for one larger than we take, 503 with
Retry-After when the body could not be stored (Meta tries again later). The
WSGI fast path (fast.py) and the Flask view (routes.receive) both answer
through accept(); the channel's keys come from one KeyCache.
"""

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from sqlalchemy.exc import SQLAlchemyError

from ..whatsapp.payloads.depth import load_json

log = logging.getLogger(__name__)

TEXT = (("Content-Type", "text/plain"),)
# Failures of storing a body that Meta's retry may get past: the database away
# or the writer not done in time.
NOT_STORED = (SQLAlchemyError, psycopg.Error, TimeoutError)


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = TEXT


OK = Answer(200, headers=())
BAD_SIGNATURE = Answer(401, b"Invalid signature")
NOT_WHATSAPP = Answer(400, b"Not a WhatsApp webhook payload")
TOO_LARGE = Answer(413, b"Request Entity Too Large")
UNAVAILABLE = Answer(503, b"Temporarily unavailable", (*TEXT, ("Retry-After", "5")))


@dataclass(frozen=True)
class ChannelKeys:
    id: int
    verify_token: str
    app_secret: str
    loaded_at: float


class KeyCache:
    """Each channel's webhook keys by its URL key, for `seconds` after loading.

    Webhooks arrive by the thousand per second: each process keeps what it needs
    to check them for a short while instead of querying and decrypting every
    time. A replaced app secret is therefore used everywhere within `seconds`.
    """

    def __init__(self, seconds: float = 30.0) -> None:
        self.seconds = seconds
        self._keys: dict[str, ChannelKeys] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> ChannelKeys | None:
        """The cached keys, if loaded less than `seconds` ago."""
        keys = self._keys.get(key)
        if keys is None or time.monotonic() - keys.loaded_at >= self.seconds:
            return None
        return keys

    def put(self, key: str, channel_id: int, verify_token: str, secret: str):
        keys = ChannelKeys(channel_id, verify_token, secret, time.monotonic())
        with self._lock:
            self._keys[key] = keys
        return keys

    def forget(self, key: str) -> None:
        """Drop a channel's keys: the next webhook looks the channel up again."""
        with self._lock:
            self._keys.pop(key, None)

    def clear(self) -> None:
        """Forget every channel (as a freshly started process knows none)."""
        with self._lock:
            self._keys.clear()


keys_cache = KeyCache()


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


def accept(
    key: str,
    keys: ChannelKeys,
    body: bytes,
    signature: str | None,
    store: Callable[[int, bytes], None],
) -> Answer:
    """Check a webhook POST for a known channel and store it; the answer for Meta."""
    if not signature_valid(body, signature, keys.app_secret):
        log.warning("Webhook for channel %s refused: bad signature", keys.id)
        return BAD_SIGNATURE
    if not looks_like_whatsapp(body):
        return NOT_WHATSAPP
    try:
        store(keys.id, body)
    except NOT_STORED:
        # The channel may have been deleted meanwhile (its keys are cached):
        # look it up again next time, so Meta's retry gets a 404.
        keys_cache.forget(key)
        log.exception("Webhook for channel %s not stored; Meta will retry", keys.id)
        return UNAVAILABLE
    return OK
