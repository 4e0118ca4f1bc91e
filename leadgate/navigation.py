"""Where to send the user next: only ever to a path on our own site."""

from urllib.parse import urlsplit

from flask import request


def safe_next(target: str | None, default: str) -> str:
    """Return target if it is a local path, else default (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or "\\" in target:
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
