"""Probes and metrics for operations: GET /healthz, /readyz and /metrics.

They are answered in front of the Flask app, like the webhook fast path: a load
balancer or Prometheus is no browser, so no session, cookie, CSRF, login, rate
limit, HTTPS redirect or access log applies, and a probe every few seconds costs
next to nothing. They are not in the app's url_map and read no workspace data.

- /healthz: the process is up and answers. Touches nothing else, so a slow
  database never gets a healthy process restarted.
- /readyz: PostgreSQL and Redis reachable and the schema at the migrations' head;
  otherwise 503 with a JSON body naming what failed (never an address or error
  text: those may carry credentials).
- /metrics: Prometheus text format (metrics.py), only with the bearer token in
  METRICS_TOKEN; without it configured the path does not exist (404).
"""

import functools
import hmac
import json
import logging

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from prometheus_client import CONTENT_TYPE_LATEST
from werkzeug.wrappers import Request, Response

from . import metrics
from .extensions import db
from .queue import redis_connection

log = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store"}


def init_app(app: Flask) -> None:
    """Answer the probe and metrics paths before the app's own middleware."""
    app.wsgi_app = OpsEndpoints(app, app.wsgi_app)


class OpsEndpoints:
    """WSGI middleware: the three paths here, everything else to the app."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.views = {"/healthz": healthz, "/readyz": readyz, "/metrics": scrape}

    def __call__(self, environ, start_response):
        view = self.views.get(environ.get("PATH_INFO", ""))
        if view is None or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        return view(self.app, Request(environ))(environ, start_response)


def healthz(app: Flask, request: Request) -> Response:
    return Response("ok\n", mimetype="text/plain", headers=NO_STORE)


def readyz(app: Flask, request: Request) -> Response:
    with app.app_context():
        checks = {**database_checks(app), "redis": redis_check()}
    failed = sorted(name for name, result in checks.items() if result != "ok")
    body = {"ready": not failed, "failed": failed, "checks": checks}
    headers = dict(NO_STORE)
    if failed:
        headers["Retry-After"] = "5"
    return Response(
        json.dumps(body),
        503 if failed else 200,
        mimetype="application/json",
        headers=headers,
    )


def database_checks(app: Flask) -> dict[str, str]:
    """Reach the database and compare its schema revision with the migrations' head."""
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as error:
        log.warning("Not ready: database unreachable (%s)", type(error).__name__)
        return {"database": "unreachable", "migrations": "unknown"}
    head = migration_heads(app.extensions["migrate"].directory)
    if current == head:
        return {"database": "ok", "migrations": "ok"}
    state = ", ".join(sorted(current)) or "none"
    return {
        "database": "ok",
        "migrations": f"not at head (database {state}, code {', '.join(sorted(head))})",
    }


@functools.cache
def migration_heads(directory: str) -> frozenset[str]:
    """The head revision(s) of the migration scripts (fixed for a deployed release)."""
    return frozenset(ScriptDirectory(directory).get_heads())


def redis_check() -> str:
    try:
        redis_connection().ping()
    except Exception as error:
        log.warning("Not ready: Redis unreachable (%s)", type(error).__name__)
        return "unreachable"
    return "ok"


def scrape(app: Flask, request: Request) -> Response:
    token = app.config.get("METRICS_TOKEN")
    if not token:
        return Response("Not Found\n", 404, mimetype="text/plain")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), token.encode()
    ):
        return Response(
            "Unauthorized\n",
            401,
            mimetype="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return Response(
        metrics.exposition(app), content_type=CONTENT_TYPE_LATEST, headers=NO_STORE
    )
