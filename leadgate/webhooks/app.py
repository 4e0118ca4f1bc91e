"""A lean Flask app for Meta's webhooks, mounted in front of the main app at /webhooks.

Meta is no browser: it needs no session, CSRF, login, cookie consent, rate limits or
security headers, and those hooks cost about 40 % of a webhook request. The same
blueprint is also registered on the main app, so url_for still builds its URLs there.
"""

from flask import Flask
from flask.sessions import SessionInterface

from ..extensions import db
from .fast import FastWebhooks
from .routes import bp

PREFIX = "/webhooks"


class NoSessions(SessionInterface):
    """Meta sends no cookies worth reading: skip the signed-cookie session entirely."""

    def open_session(self, app, request):
        return None  # Flask then uses a null session

    def save_session(self, app, session, response):
        pass


def create_webhook_app(main: Flask) -> Flask:
    """Build the webhook app; it shares the main app's configuration object."""
    app = Flask(__name__, static_folder=None)  # one route: nothing else to match
    app.config = main.config  # one configuration, also for changes made at run time
    app.session_interface = NoSessions()
    db.init_app(app)
    # The main app's languages: a job a drain runs inline (tests, the embedded
    # queue) may word something (a placeholder's label) in this app's context.
    app.extensions["babel"] = main.extensions["babel"]
    app.register_blueprint(bp, url_prefix="")
    if main.config["WEBHOOK_FAST_PATH"]:
        app.wsgi_app = FastWebhooks(app)
    return app
