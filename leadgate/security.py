"""HTTP security headers (flask-talisman): CSP without inline scripts, HSTS, no framing."""

from flask import Flask
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


def init_app(app: Flask) -> None:
    production = app.config["LEADGATE_ENV"] == "production"
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
