"""Absolute addresses the app shows or mails: BASE_URL when set, else the request's own.

Links people copy (a lead form's address and iframe snippet, the webhook URL
for Meta, an invite link) and links in mails must work where they are used. In
production BASE_URL names the public address and is required (config.py): a
mail link must never be built from a Host header someone else sent. Without it
(`leadgate dev --port 5107`, any host or port) the address the page was opened
at is the right one.

Mails are rendered in jobs, outside any request: the enqueueing request passes
`base_url()` along (an address, not personal data) and mail.rendering() builds
a request for it, inside which `external_url` works the same.
"""

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, has_request_context, request, url_for

# Where `leadgate dev` serves by default: links in dev mails and messages when
# BASE_URL is not set and no request names an address (production requires it).
DEV_BASE_URL = "http://127.0.0.1:5000"


def base_url() -> str:
    """The installation's address, without a trailing slash."""
    configured = current_app.config.get("BASE_URL")
    if configured:
        return configured.rstrip("/")
    if not has_request_context():
        raise RuntimeError("BASE_URL must be set to build links outside a request")
    return request.url_root.rstrip("/")


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of an endpoint, as people outside reach it."""
    # url_for's path starts with the mount point (script root) base_url() holds.
    path = url_for(endpoint, **values).removeprefix(request.script_root)
    return base_url() + path


# An id no row has, so that it can be found again in a built URL.
PLACEHOLDER = 918273645091


def url_for_each(endpoint: str, key: str, **values: Any) -> Callable[[int], str]:
    """url_for for many ids of one endpoint, built once: ids -> URLs.

    A page of 50 list rows or messages built each link with url_for, about
    0.1 ms apiece (routing, converters, quoting): a tenth of the page. Built
    once with a placeholder id, the rest is string joining, and the URL is the
    one url_for gives (the placeholder's first occurrence is the path's id).
    """
    values[key] = PLACEHOLDER
    built = url_for(endpoint, **values)
    before, _, after = built.partition(str(PLACEHOLDER))
    return lambda ident: f"{before}{int(ident)}{after}"


ICON_SPRITE = "vendor/lucide/sprite.svg"


def icon_sprite() -> str:
    """The icon sprite's URL, looked up once per request.

    Every icon (templates/_macros.html) points into the sprite; a page has
    about fifty, and url_for costs about 0.2 ms each.
    """
    if "icon_sprite" not in g:
        g.icon_sprite = url_for("static", filename=ICON_SPRITE)
    url: str = g.icon_sprite
    return url


def init_app(app: Flask) -> None:
    app.add_template_global(icon_sprite, "icon_sprite")
