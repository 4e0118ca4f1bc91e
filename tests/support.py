"""Test helpers: a CSRF-aware client, login actions, data builders, tenancy checks."""

import re

from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import text

from leadgate import create_app
from leadgate.auth import services
from leadgate.extensions import db, limiter
from leadgate.models import Membership, Role, User, Workspace
from leadgate.queue import redis_connection
from leadgate.webhooks.writer import stop_writer

PASSWORD = "korrekt Pferd Batterie Heftklammer"
CSRF_PATTERN = re.compile(r'"X-CSRFToken": "([^"]+)"')


class CsrfClient(FlaskClient):
    """Sends a valid CSRF token with every unsafe request, like our pages do.

    Pass csrf=False to send none (to prove the protection works). The token is
    scraped from a page once and reused while the session keeps the secret it
    was signed from: fetching a page before every POST made up much of the
    suite's time. A login or logout that clears the session gets a fresh one.
    """

    _csrf_token: str | None = None
    _csrf_secret: str | None = None

    def open(self, *args, **kwargs):
        send_token = kwargs.pop("csrf", True)
        method = kwargs.get("method", "GET").upper()
        if send_token and method not in {"GET", "HEAD", "OPTIONS"}:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        secret = self._session_csrf_secret()
        if self._csrf_token is None or secret is None or secret != self._csrf_secret:
            html = super().open(url_in(self.application, "public.imprint"))
            self._csrf_token = CSRF_PATTERN.search(html.get_data(as_text=True)).group(1)
            self._csrf_secret = self._session_csrf_secret()
        return self._csrf_token

    def _session_csrf_secret(self) -> str | None:
        """The raw secret Flask-WTF keeps in the session (read without a request)."""
        field = self.application.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        with self.session_transaction() as session:
            return session.get(field)


def url_in(app: Flask, endpoint: str, **values) -> str:
    """url_for outside a request: helpers build their URLs by name, as views do."""
    with app.test_request_context():
        return url_for(endpoint, **values)


class AuthActions:
    def __init__(self, client: FlaskClient):
        self.client = client

    def login(self, email: str, password: str = PASSWORD, **extra):
        return self.client.post(
            url_in(self.client.application, "auth.login"),
            data={"email": email, "password": password, **extra},
        )

    def logout(self):
        return self.client.post(url_in(self.client.application, "auth.logout"))


def make_user(
    email: str,
    name: str = "Erika Mustermann",
    workspace: Workspace | None = None,
    role: Role = Role.OWNER,
    password: str = PASSWORD,
) -> User:
    """Create a user; with no workspace given they get their own as owner."""
    user = services.create_user(name, email, password)
    if workspace is None:
        services.create_workspace(user, f"Workspace {name}")
    else:
        db.session.add(Membership(workspace=workspace, user=user, role=role))
    db.session.commit()
    return user


def workspace_of(user: User) -> Workspace:
    return sorted(user.memberships, key=lambda m: m.id)[0].workspace


def membership_of(user: User, workspace: Workspace) -> Membership:
    return next(m for m in user.memberships if m.workspace_id == workspace.id)


def make_app(database_url: str, media_dir) -> Flask:
    """The app as every test gets it (conftest's `app`), with Redis and limits reset."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret-key",
            "QUEUE_IS_ASYNC": False,
            "WEBHOOK_DRAIN_LINGER_SECONDS": 0,  # inline drains end at once
            "MEDIA_DIR": str(media_dir),
            "BASE_URL": "http://localhost",
            # Never Meta from tests: a closed local port unless a test starts the emulator.
            "WHATSAPP_GRAPH_URL": "http://127.0.0.1:9/v25.0",
            "WHATSAPP_TIMEOUT_SECONDS": 2,
        }
    )
    app.test_client_class = CsrfClient
    with app.app_context():
        redis_connection().flushdb()
        limiter.reset()
    return app


def close_app(app: Flask, empty_tables: bool = True) -> None:
    """Empty every table and release the app's connections and threads."""
    webhook_app = app.extensions["leadgate_webhook_app"]
    stop_writer(id(webhook_app))  # its thread holds a connection of its own
    with app.app_context():
        db.session.remove()
        if empty_tables:
            empty_all_tables()
        db.engine.dispose()
    with webhook_app.app_context():
        db.engine.dispose()  # the webhook app's own connection pool
    # Left to the garbage collector, the socket warns (ResourceWarning: an error
    # here) whenever a collection happens to run mid-session.
    redis_connection(app).close()


def empty_all_tables() -> None:
    """Per-test isolation: remove every row (the schema stays as migrated).

    TRUNCATE, not DELETE: after a DELETE, PostgreSQL reuses the space of old rows
    once autovacuum has run, so rows no longer come back in the order they were
    inserted, and a test reading without ORDER BY fails now and then (seen in CI).
    Only tables that hold a page are truncated (a truncated table has none, and
    one a test wrote to has some even if it deleted the rows again): a test
    touches a handful of the ~60 tables, and truncating all cost ~80 ms a test.
    Sequences a failed insert moved without writing a page are reset too.
    """
    if db.engine.dialect.name != "postgresql":
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        return
    quote = db.engine.dialect.identifier_preparer.quote
    written = db.session.scalars(
        text(
            "SELECT c.relname FROM pg_class c"
            " WHERE c.relnamespace = current_schema()::regnamespace"
            " AND c.relkind = 'r' AND c.relname <> 'alembic_version'"
            " AND pg_relation_size(c.oid) > 0"
        )
    ).all()
    if written:
        names = ", ".join(quote(name) for name in written)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    for sequence in db.session.scalars(
        text(
            "SELECT sequencename FROM pg_sequences"
            " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
        )
    ).all():
        db.session.execute(text(f"ALTER SEQUENCE {quote(sequence)} RESTART"))
    db.session.commit()


def assert_cross_workspace_404(client: FlaskClient, requests: list[tuple[str, str]]):
    """Each (method, url) names another workspace's object: it must answer 404."""
    for method, url in requests:
        response = client.open(url, method=method, headers={"HX-Request": "true"})
        assert response.status_code == 404, f"{method} {url} -> {response.status_code}"
        response = client.open(url, method=method)
        assert response.status_code == 404, f"{method} {url} -> {response.status_code}"


def owner_with_channel(app, auth, **ids) -> str:
    """An owner with one connected number, logged in; returns the channel key.

    ids: phone_number_id, waba_id, access_token, app_secret (as the emulator knows them).
    """
    from leadgate.channels.services import create_channel

    with app.app_context():
        owner = make_user("owner@example.com")
        created = create_channel(workspace_of(owner), name="Vertrieb", **ids)
        db.session.commit()
        key = created.key
    auth.login("owner@example.com")
    return key
