"""LeadGate's WhatsApp Cloud API emulator: Graph API, webhooks, admin API, phone.

A separate small Flask app. Serve it alone (`run_emulator`) or mount it in-process
with werkzeug's DispatcherMiddleware; every URL it builds respects the mount path.
"""

from flask import Flask
from werkzeug.serving import run_simple
from werkzeug.wrappers import Response

from . import (
    admin,
    admin_inject,
    admin_newer,
    errors,
    graph,
    lookaside,
    media,
    phone,
    template_page,
    templates_api,
)
from .access import GraphVersionConverter
from .settings import DEFAULT_TEMPLATES, DEMO_NUMBER
from .state import EXTENSION_KEY, Emulator

__all__ = [
    "DEFAULT_TEMPLATES",
    "DEMO_NUMBER",
    "Emulator",
    "create_emulator_app",
    "emulator_of",
    "run_emulator",
]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


def create_emulator_app(config: dict | None = None) -> Flask:
    """Build the emulator app; config keys are listed in settings.py."""
    app = Flask(
        __name__,
        template_folder="../../../templates",
        static_folder="../../../static",
    )
    app.config.update(config or {})
    # Keep keys in Meta's order (Flask sorts them by default).
    app.json.sort_keys = False
    app.url_map.converters["graph_version"] = GraphVersionConverter
    app.extensions[EXTENSION_KEY] = Emulator.from_config(app.config)
    errors.register(app)
    for blueprint in (
        graph.bp,
        media.bp,
        templates_api.bp,
        lookaside.bp,
        admin.bp,
        admin_inject.bp,
        admin_newer.bp,
        phone.bp,
        template_page.bp,
    ):
        app.register_blueprint(blueprint)
    app.after_request(security_headers)
    return app


def security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def emulator_of(app: Flask) -> Emulator:
    """The Emulator behind an app, for in-process use (wait_idle, flush, stop)."""
    return app.extensions[EXTENSION_KEY]


def run_emulator(
    host: str = "127.0.0.1", port: int = 5055, config: dict | None = None
) -> None:
    """Serve the emulator standalone (what `leadgate emulator --port N` runs)."""
    app = create_emulator_app(config)
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        emulator_of(app).stop()
