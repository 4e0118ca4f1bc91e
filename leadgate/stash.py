"""Short-lived secrets in Redis, Fernet-encrypted, under a key that can travel.

Jobs get ids and keys only (RQ logs their arguments), so a value that exists
only in one request (an invite's token, an address not yet confirmed, a
pending sign-up) waits here, encrypted, until the job or the link that needs
it comes along. The key alone reveals nothing; every entry expires.
"""

import hashlib
import json
import secrets
from typing import Any

from .crypto import decrypt, encrypt
from .queue import redis_connection

PREFIX = "lg:stash:"


def put(data: dict[str, Any], seconds: int) -> str:
    """Keep this data encrypted for a while; return the random key to fetch it."""
    key = secrets.token_urlsafe(16)
    put_under(key, data, seconds)
    return key


def put_under(key: str, data: dict[str, Any], seconds: int) -> None:
    redis_connection().set(PREFIX + key, encrypt(json.dumps(data)), ex=seconds)


def get(key: str) -> dict[str, Any] | None:
    """The data kept under this key, or None once it expired or was dropped."""
    raw = redis_connection().get(PREFIX + key)
    return json.loads(decrypt(raw.decode())) if raw else None


def take(key: str) -> dict[str, Any] | None:
    """Get and drop in one step: of two concurrent callers only one gets it."""
    raw = redis_connection().getdel(PREFIX + key)
    return json.loads(decrypt(raw.decode())) if raw else None


def drop(key: str) -> None:
    redis_connection().delete(PREFIX + key)


def key_of_link(token: str) -> str:
    """Where a link's secret keeps its data: its hash, so Redis holds no usable link."""
    return "link:" + hashlib.sha256(token.encode()).hexdigest()
