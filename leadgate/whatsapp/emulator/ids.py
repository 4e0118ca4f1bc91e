"""Identifiers shaped like Meta's: wamids, numeric object ids, trace ids."""

import base64
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


def fbtrace_id() -> str:
    return "A" + "".join(secrets.choice(TRACE_ALPHABET) for _ in range(22))


def new_bsuid(country: str = "DE") -> str:
    """Return a business-scoped user id such as 'DE.1234…'."""
    return f"{country}.{10**18 + secrets.randbelow(9 * 10**18)}"
