"""Where to send the user next: only ever to a path on our own site."""

import re
from urllib.parse import unquote, urlsplit

from flask import request

# Browsers drop tabs and line breaks inside a URL and read a backslash as "/".
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_next(target: str | None, default: str) -> str:
    """Return target if it is a local path, else default (no open redirects).

    "//evil", "/\\evil" and "/%2F/evil" all name another host once a browser or
    a proxy has read them, so the check runs on the target with percent escapes
    decoded and backslashes turned into slashes, not only on what urlsplit sees.
    """
    if not target or CONTROL.search(target) or "\\" in target:
        return default
    seen = CONTROL.sub("", unquote(target)).replace("\\", "/")
    if not seen.startswith("/") or seen.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def client_ip() -> str:
    """The client's address as seen after ProxyFix (so PROXY_COUNT is honoured)."""
    return request.remote_addr or "0.0.0.0"


def current_page() -> str:
    """The page the user is on; for an htmx request, the page that sent it."""
    url = request.headers.get("HX-Current-URL") if request.htmx else None
    if url:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.full_path if request.query_string else request.path
