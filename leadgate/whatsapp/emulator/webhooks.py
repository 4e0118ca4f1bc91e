"""Signing, serialising and handing webhooks to the dispatcher (with faults)."""

import hashlib
import hmac
import json
from collections.abc import Iterable

from .delivery import WebhookRecord
from .models import Number
from .state import Emulator


def serialise(body: dict) -> bytes:
    """Encode like Meta: ASCII-only escapes and "/" written as "\\/"."""
    text = json.dumps(body, ensure_ascii=True, separators=(",", ":"))
    # "/" only occurs inside strings in JSON, so this cannot break the syntax.
    return text.replace("/", "\\/").encode("ascii")


def signature(payload: bytes, app_secret: str) -> str:
    digest = hmac.new(app_secret.encode(), payload, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def dispatch(emulator: Emulator, numbers: Iterable[Number], body: dict) -> list[str]:
    """Queue the body for every distinct webhook target; return delivery ids."""
    field = body["entry"][0]["changes"][0]["field"]
    targets = {(n.webhook_url, n.app_secret): None for n in numbers}
    ids = []
    for url, secret in targets:
        for record, delay in _records(emulator, url, secret, field, body):
            emulator.dispatcher.deliver(record, delay)
            ids.append(record.id)
    return ids


def _records(
    emulator: Emulator, url: str, secret: str, field: str, body: dict
) -> list[tuple[WebhookRecord, float]]:
    faults = emulator.faults
    payload = serialise(body)
    if malformed := faults.take("webhook_malformed"):
        raw = malformed.raw_body
        payload = raw.encode() if raw is not None else payload[: len(payload) // 2]
    if faults.take("webhook_bad_signature"):
        secret = secret + "-falsch"
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": signature(payload, secret),
    }
    delayed = faults.take("webhook_delay")
    delay = delayed.delay if delayed else 0.0
    duplicate = faults.take("webhook_duplicate")
    copies = max(1, duplicate.copies) if duplicate else 1
    return [
        (WebhookRecord(url=url, field=field, payload=payload, headers=headers), delay)
        for _ in range(copies)
    ]
