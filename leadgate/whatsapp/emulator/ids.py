"""Identifiers shaped like Meta's: wamids, numeric object ids, trace ids."""

import base64
import hashlib
import secrets
import string

TRACE_ALPHABET = string.ascii_letters + string.digits + "_-"


def new_wamid(contact: str) -> str:
    """Return a unique message id; Meta's are base64 with the contact inside."""
    raw = f"{contact}:{secrets.token_hex(12)}".encode()
    return "wamid." + base64.urlsafe_b64encode(raw).decode()


def new_object_id() -> str:
    """Return a 16-digit numeric id like Meta's media and template ids."""
    return str(10**15 + secrets.randbelow(9 * 10**15))


def stable_object_id(*parts: str) -> str:
    """A 16-digit id that is the same for the same parts, run after run.

    The default templates of a WABA get one: `leadgate dev` keeps LeadGate's
    database across restarts while the emulator starts afresh, and a template
    whose id changed would look deleted and created anew at the next sync.
    """
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return str(10**15 + int.from_bytes(digest[:8], "big") % (9 * 10**15))


def fbtrace_id() -> str:
    return "A" + "".join(secrets.choice(TRACE_ALPHABET) for _ in range(22))


def new_bsuid(country: str = "DE") -> str:
    """Return a business-scoped user id such as 'DE.1234…'."""
    return f"{country}.{10**18 + secrets.randbelow(9 * 10**18)}"
