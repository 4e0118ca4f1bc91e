"""The hot path of a webhook POST as a plain WSGI function, in front of the Flask view.

A webhook is checked and handed to the group-commit writer in well under a
millisecond; building Flask's request, context and response around it cost about
as much again (benchmarks/webhook_ingest.py, --no-fast-path). So once a
channel's keys are cached (contract.keys_cache), a POST is answered here
through the same contract.accept as routes.receive; everything else — the
handshake, unknown or uncached channels, odd requests — goes to the Flask app.
"""

from http import HTTPStatus

from .. import metrics
from . import contract, routes

PATH = "/whatsapp/"


def respond(start_response, answer: contract.Answer):
    metrics.count_webhook(answer.status)
    status = f"{answer.status} {HTTPStatus(answer.status).phrase}"
    start_response(status, [*answer.headers, ("Content-Length", str(len(answer.body)))])
    return [answer.body]


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
        path = environ.get("PATH_INFO", "")
        if (
            environ.get("REQUEST_METHOD") != "POST"
            or not path.startswith(PATH)
            or not environ.get("CONTENT_LENGTH")  # chunked or empty: Flask's parser
        ):
            return self.flask_wsgi(environ, start_response)
        key = path[len(PATH) :]
        keys = contract.keys_cache.get(key)
        if keys is None:
            return self.flask_wsgi(environ, start_response)
        length = int(environ["CONTENT_LENGTH"])
        if length > self.app.config["MAX_CONTENT_LENGTH"]:
            return respond(start_response, contract.TOO_LARGE)
        body = environ["wsgi.input"].read(length)
        signature = environ.get("HTTP_X_HUB_SIGNATURE_256")
        answer = contract.accept(key, keys, body, signature, self.writer.store)
        return respond(start_response, answer)
