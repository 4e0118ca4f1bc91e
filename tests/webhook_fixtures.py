"""Webhook payload fixtures (tests/payloads/*.json) as Meta would POST them."""

import hashlib
import hmac
import json
from pathlib import Path

PAYLOAD_DIR = Path(__file__).parent / "payloads"


def payload_names() -> list[str]:
    """Return the name of every stored payload, sorted."""
    return sorted(path.stem for path in PAYLOAD_DIR.glob("*.json"))


def load_payload(name: str) -> dict:
    """Load one stored payload as a fresh dict (safe to mutate)."""
    return json.loads((PAYLOAD_DIR / f"{name}.json").read_text(encoding="utf-8"))


def payload_bytes(name: str) -> bytes:
    """Serialise a stored payload byte for byte the way Meta sends it."""
    return meta_bytes(load_payload(name))


def meta_bytes(payload: dict) -> bytes:
    """Serialise any payload the way Meta does: compact, ASCII-only, "/" escaped."""
    # Meta signs this escaped form, so tests must send exactly these bytes.
    # "/" only occurs inside JSON strings, so escaping it everywhere is safe.
    text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
    return text.replace("/", "\\/").encode("ascii")


def sign(body: bytes, app_secret: str) -> str:
    """Return the X-Hub-Signature-256 header value for a body."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"
