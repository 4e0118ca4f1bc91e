"""HTTP security headers (flask-talisman): CSP without inline scripts, HSTS, no framing.

The one exception to "no framing" are views marked `@embeddable`: public lead
forms live in an iframe on the customer's own website.
"""

from collections.abc import Callable

from flask import Flask, Response, current_app, request
from flask_talisman import Talisman

# Everything comes from our own origin: no CDN, no third party, no inline script.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:", "blob:"],
    "media-src": ["'self'", "blob:"],
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# Any site may frame an embeddable view: like every embeddable form product we
# cannot know our customers' websites in advance. The rest of the policy stays.
EMBEDDABLE_FRAME_ANCESTORS = "frame-ancestors *"


def embeddable(view: Callable) -> Callable:
    """Let other websites show this view in an iframe (public lead forms only)."""
    view.embeddable = True
    return view


def allow_embedding(response: Response) -> Response:
    """Lift the framing ban for views marked @embeddable, and only for them."""
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "embeddable", False):
        return response
    response.headers.pop("X-Frame-Options", None)
    policy = response.headers.get("Content-Security-Policy", "")
    response.headers["Content-Security-Policy"] = policy.replace(
        "frame-ancestors 'none'", EMBEDDABLE_FRAME_ANCESTORS
    )
    return response


def serves_files(view: Callable) -> Callable:
    """Mark a view that sends stored or generated files (media, exports)."""
    view.serves_files = True
    return view


def sandbox_files(response: Response) -> Response:
    """A file opened from our origin runs no script and has no origin of its own.

    Media come from strangers and keep their claimed type only where we show it
    inline; `sandbox` also covers what a browser might still render.
    """
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "serves_files", False):
        policy = response.headers.get("Content-Security-Policy")
        response.headers["Content-Security-Policy"] = (
            f"{policy}; sandbox" if policy else "sandbox"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def init_app(app: Flask) -> None:
    production = app.config["LEADGATE_ENV"] == "production"
    # Flask runs after_request hooks in reverse order of registration: registered
    # before Talisman, this one sees (and relaxes) the headers Talisman has set.
    # (Talisman's own per-view options would work too, but it fills them in once
    # per view function, so the first app's force_https would stick for all.)
    app.after_request(allow_embedding)
    app.after_request(sandbox_files)
    # One Talisman per app: its settings live on the instance, and tests build many apps.
    Talisman(
        app,
        force_https=production,
        strict_transport_security=production,
        strict_transport_security_max_age=60 * 60 * 24 * 365,
        session_cookie_secure=production,
        session_cookie_http_only=True,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
        permissions_policy={
            "geolocation": "()",
            "camera": "()",
            "microphone": "()",
            "interest-cohort": "()",
        },
    )
