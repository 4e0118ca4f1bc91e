"""Shared fixtures (flaskr style): app with a migrated schema, client, CLI runner, auth."""

import os
import tempfile
from dataclasses import replace

import pytest
from argon2 import PasswordHasher, profiles
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from .xdist_support import isolate_worker

# Keep generated files (dev secret key, SQLite) out of the checkout.
os.environ.setdefault(
    "LEADGATE_INSTANCE_DIR", tempfile.mkdtemp(prefix="leadgate-test-")
)
# Before the app is imported: each xdist worker gets its own database and Redis db.
isolate_worker()

from leadgate import create_app, retry  # noqa: E402
from leadgate.auth import passwords  # noqa: E402
from leadgate.extensions import db  # noqa: E402

from . import processes  # noqa: E402
from .support import AuthActions, close_app, make_app  # noqa: E402


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


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Argon2id with argon2-cffi's CHEAPEST profile, which it offers for tests.

    The production parameters cost ~0.2 s of CPU for every hash and every login,
    which was most of a test's time. Hashes keep their parameters, so the same
    code verifies them; tests of `leadgate dev` subprocesses keep the real cost.
    """
    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", cheap)
        patch.setattr(passwords, "_DUMMY_HASH", cheap.hash("leadgate-timing-equaliser"))
        yield


@pytest.fixture(scope="session", autouse=True)
def no_process_left_behind():
    """Workers and servers a test started are stopped when the session ends."""
    yield
    processes.stop_all()


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
    app = make_app(database_url, tmp_path / "media")
    yield app
    close_app(app)


@pytest.fixture
def patient_backoff(monkeypatch):
    """Send retries wait a minute, not 1–2 s; tests move next_attempt_at themselves.

    With the real backoff, a job slowed down by a busy machine finds its own
    retry due before it ends and sends it once more, so the test would see an
    attempt it did not make.
    """
    for name in ("DELIVERY", "DELIVERY_PAIR_LIMIT"):
        policy = getattr(retry, name)
        monkeypatch.setattr(retry, name, replace(policy, delays=(60,), jitter=0.0))


@pytest.fixture
def receiver():
    """Stands in for LeadGate's webhook endpoint (the emulator's webhooks land here)."""
    from .emulator_support import WebhookReceiver

    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def make_emulator(receiver):
    """Start an emulator whose config is the test config plus overrides."""
    from .emulator_support import EmulatorHarness, emulator_config

    started = []

    def make(**overrides):
        harness = EmulatorHarness({**emulator_config(receiver.url), **overrides})
        started.append(harness)
        return harness

    yield make
    for harness in started:
        harness.stop()


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
    from playwright.sync_api import expect, sync_playwright

    from .browser_support import launch

    # Three xdist workers share two cores with a browser and a `leadgate dev`
    # each: an htmx answer can take longer than Playwright's default 5 s there.
    expect.set_options(timeout=10_000)

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test of `leadgate dev` shows what the server logged meanwhile
    (its access log says which requests came, how they ended, how long they took)."""
    report = yield
    server = item.funcargs.get("dev_server") if hasattr(item, "funcargs") else None
    if report.failed and server is not None:
        # The access log and errors; the embedded worker's job lines would crowd them out.
        lines = [line for line in server.output().splitlines() if "[rq." not in line]
        tail = lines[-80:]
        report.sections.append(("leadgate dev: last lines", "\n".join(tail)))
    return report
