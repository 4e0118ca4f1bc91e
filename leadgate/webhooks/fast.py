"""The hot path of a webhook POST as a plain WSGI function, in front of the Flask view.

A webhook is checked and handed to the group-commit writer in well under a
millisecond; building Flask's request, context and response around it cost about
as much again (benchmarks/webhook_ingest.py). So once a channel's keys are cached
(routes.channel_keys), a POST is answered here with the same checks and answers
as routes.receive; everything else — the handshake, unknown or uncached
channels, odd requests — goes to the Flask app unchanged.
"""

import logging
import time

import psycopg
from sqlalchemy.exc import SQLAlchemyError

from .. import metrics
from . import routes

log = logging.getLogger(__name__)

PATH = "/whatsapp/"
TEXT = [("Content-Type", "text/plain")]


def answer(start_response, status: str, body: bytes = b"", headers=None):
    metrics.count_webhook(int(status[:3]))
    headers = TEXT if headers is None else headers
    start_response(status, [*headers, ("Content-Length", str(len(body)))])
    return [body]


class FastWebhooks:
    """WSGI middleware: cached-channel POSTs here, the rest to the Flask app."""

    def __init__(self, app):
        self.app = app
        self.flask_wsgi = app.wsgi_app
        self._writer = None

    @property
    def writer(self):
        """The app's group-commit writer: the same one the Flask view uses."""
        if self._writer is None:
            with self.app.app_context():
                self._writer = routes.writer_of(self.app)
        return self._writer

    def __call__(self, environ, start_response):
        keys = self.cached_keys(environ)
        if keys is None:
            return self.flask_wsgi(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > self.app.config["MAX_CONTENT_LENGTH"]:
            return answer(start_response, "413 Request Entity Too Large")
        body = environ["wsgi.input"].read(length)
        return self.receive(keys, body, environ, start_response)

    def cached_keys(self, environ) -> routes.ChannelKeys | None:
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "POST" or not path.startswith(PATH):
            return None
        if not environ.get("CONTENT_LENGTH"):
            return None  # chunked or empty: Flask's parser handles the odd cases
        keys = routes._keys_by_channel_key.get(path[len(PATH) :])
        if keys is None or time.monotonic() - keys.loaded_at >= routes.CACHE_SECONDS:
            return None
        return keys

    def receive(self, keys, body: bytes, environ, start_response):
        signature = environ.get("HTTP_X_HUB_SIGNATURE_256")
        if not routes.signature_valid(body, signature, keys.app_secret):
            log.warning("Webhook for channel %s refused: bad signature", keys.id)
            return answer(start_response, "401 Unauthorized", b"Invalid signature")
        if not routes.looks_like_whatsapp(body):
            return answer(
                start_response, "400 Bad Request", b"Not a WhatsApp webhook payload"
            )
        try:
            self.writer.store(keys.id, body)
        except (SQLAlchemyError, psycopg.Error, TimeoutError):
            # As in routes.receive: the channel may be gone; look it up next time.
            routes.forget_channel(environ["PATH_INFO"][len(PATH) :])
            log.exception("Webhook for channel %s not stored; Meta will retry", keys.id)
            return answer(
                start_response,
                "503 Service Unavailable",
                b"Temporarily unavailable",
                [*TEXT, ("Retry-After", "5")],
            )
        return answer(start_response, "200 OK", headers=[])
