"""Shared fixtures (flaskr style): app with a migrated schema, client, CLI runner, auth."""

import os
import tempfile

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

# Keep generated files (dev secret key, SQLite) out of the checkout.
os.environ.setdefault(
    "LEADGATE_INSTANCE_DIR", tempfile.mkdtemp(prefix="leadgate-test-")
)

from leadgate import create_app  # noqa: E402
from leadgate.extensions import db, limiter  # noqa: E402
from leadgate.queue import redis_connection  # noqa: E402
from leadgate.webhooks.writer import stop_writer  # noqa: E402

from .support import AuthActions, CsrfClient, empty_all_tables  # noqa: E402


def _fresh_database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A database whose schema was built by running every migration."""
    url = _fresh_database_url(tmp_path_factory)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret-key",
            "QUEUE_IS_ASYNC": False,
            "WEBHOOK_DRAIN_LINGER_SECONDS": 0,  # inline drains end at once
            "MEDIA_DIR": str(tmp_path / "media"),
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
    yield app
    webhook_app = app.extensions["leadgate_webhook_app"]
    stop_writer(id(webhook_app))  # its thread holds a connection of its own
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()
    with webhook_app.app_context():
        db.engine.dispose()  # the webhook app's own connection pool
    # Left to the garbage collector, the socket warns (ResourceWarning: an error
    # here) whenever a collection happens to run mid-session.
    redis_connection(app).close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def outbox(app):
    """Mails sent during the test (delivered inline: QUEUE_IS_ASYNC is off)."""
    return app.extensions.setdefault("mail_outbox", [])


@pytest.fixture(scope="session")
def dev_server(tmp_path_factory):
    """`leadgate dev` as the run command starts it (SQLite, embedded queue)."""
    from .live import DevServer

    server = DevServer(tmp_path_factory.mktemp("dev-instance"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless (browser test modules call require_chromium first)."""
    from playwright.sync_api import sync_playwright

    from .browser_support import launch

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()
