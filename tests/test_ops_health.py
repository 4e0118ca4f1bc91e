"""Operations: production needs Redis; health, readiness and metrics endpoints."""

import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from rq import Queue
from sqlalchemy import select

from leadgate import create_app
from leadgate.extensions import db
from leadgate.jobs import purge_expired_invites
from leadgate.models import Message, WebhookEvent, utcnow
from leadgate.queue import redis_connection
from leadgate.webhooks.contract import keys_cache

from .emulator_support import EmulatorHarness, WebhookReceiver, emulator_config
from .inbox_support import owner_with_payload_channel, post_signed
from .live import free_port
from .media_support import download_until_settled
from .ops_support import (
    OWNER,
    connect_number,
    post_webhook,
    sample,
    scraped,
    text_webhook,
)
from .outbound import helpers as outbound
from .webhook_fixtures import payload_bytes

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TOKEN = "metrics-token-for-tests-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
FERNET_KEY = "8iJc1cC3n0Yl1k7yVqCwS8oYpQZb0m5Jm2f3t4u5v6w="


@pytest.fixture
def production(monkeypatch):
    """The environment of a production deployment, but without REDIS_URL."""
    monkeypatch.setenv("LEADGATE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("ENCRYPTION_KEY", FERNET_KEY)
    monkeypatch.setenv("BASE_URL", "https://app.example.com")
    monkeypatch.delenv("REDIS_URL", raising=False)


# --- production refuses the embedded queue -------------------------------------


def test_production_refuses_to_start_without_redis(production, monkeypatch):
    with pytest.raises(RuntimeError, match="REDIS_URL must be set"):
        create_app()
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert create_app().config["REDIS_URL"] == "redis://127.0.0.1:6379/0"


def test_tests_may_use_the_embedded_queue_under_production_settings(production):
    app = create_app({"TESTING": True})
    with app.app_context():
        assert "fakeredis" in type(redis_connection()).__module__


def test_no_private_queue_even_if_the_url_goes_missing_later(production, monkeypatch):
    """The queue module itself refuses too: a config changed after start-up."""
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    app = create_app()
    app.config["REDIS_URL"] = None
    with app.app_context(), pytest.raises(RuntimeError, match="REDIS_URL"):
        redis_connection()


def test_the_command_line_exits_with_the_reason(production, tmp_path):
    env = {**os.environ, "LEADGATE_INSTANCE_DIR": str(tmp_path)}
    for command in (["db", "current"], ["worker", "--burst"]):
        result = subprocess.run(
            [BIN / "leadgate", *command],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode != 0
        assert "REDIS_URL must be set when LEADGATE_ENV=production" in result.stderr


# --- /healthz and /readyz ----------------------------------------------------------


def test_healthz_answers_without_touching_anything(tmp_path):
    broken = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/no/db"}
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_data() == b"ok\n"
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert broken.test_client().head("/healthz").status_code == 200


def test_readyz_when_everything_is_reachable_and_migrated(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json == {
        "ready": True,
        "failed": [],
        "checks": {"database": "ok", "migrations": "ok", "redis": "ok"},
    }
    assert "Set-Cookie" not in response.headers


def test_readyz_names_an_unreachable_database_without_its_secrets(app, caplog):
    url = f"postgresql+psycopg://leadgate:s3cr3t-pw@127.0.0.1:{free_port()}/leadgate"
    down = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    response = down.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json["failed"] == ["database", "migrations"]
    assert response.json["checks"]["database"] == "unreachable"
    for text in (response.get_data(as_text=True), caplog.text):
        assert "s3cr3t" not in text and "127.0.0.1" not in text


def test_readyz_names_an_unreachable_redis(database_url):
    url = f"redis://:r3dis-pw@127.0.0.1:{free_port()}/0"
    down = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": url}
    )
    response = down.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["redis"]
    assert "r3dis-pw" not in response.get_data(as_text=True)
    redis_connection(down).close()
    with down.app_context():
        db.engine.dispose()


def test_readyz_waits_for_the_migrations(tmp_path):
    behind = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/db"}
    )
    with behind.app_context():
        upgrade(revision="0015")
    response = behind.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["migrations"]
    # The code's head is whatever the newest migration is; 0015 is behind it.
    (head,) = ScriptDirectory(behind.extensions["migrate"].directory).get_heads()
    assert head > "0015"
    assert response.json["checks"]["migrations"] == (
        f"not at head (database 0015, code {head})"
    )
    with behind.app_context():
        upgrade()
        db.engine.dispose()
    assert behind.test_client().get("/readyz").status_code == 200


def test_probes_skip_the_https_redirect_of_production(database_url, monkeypatch):
    monkeypatch.setenv("LEADGATE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("ENCRYPTION_KEY", FERNET_KEY)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    client = app.test_client()
    assert client.get("http://localhost/impressum").status_code == 302  # to https
    assert client.get("http://localhost/healthz").status_code == 200
    assert client.get("http://localhost/readyz").status_code == 200
    with app.app_context():
        db.engine.dispose()


# --- /metrics ----------------------------------------------------------------------


def scrape(client) -> dict:
    response = client.get("/metrics", headers=BEARER)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return scraped(response.get_data(as_text=True))


def test_metrics_need_the_token_and_are_off_without_one(app, client):
    assert client.get("/metrics").status_code == 404  # no METRICS_TOKEN: no endpoint
    app.config["METRICS_TOKEN"] = TOKEN
    missing = client.get("/metrics")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    basic = client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})
    assert basic.status_code == 401
    response = client.get("/metrics", headers=BEARER)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert "leadgate_webhooks_received_total" in response.get_data(as_text=True)


def test_webhooks_are_counted_by_outcome_on_both_intake_paths(app, client):
    app.config["METRICS_TOKEN"] = TOKEN
    number = connect_number(app)
    keys_cache.clear()  # the first POST takes the Flask view
    before = scrape(client)
    body = text_webhook("wamid.count.1", "Hallo")
    assert post_webhook(client, number["key"], body).status_code == 200  # Flask
    assert keys_cache.get(number["key"]) is not None
    assert post_webhook(client, number["key"], body).status_code == 200  # fast path
    assert post_webhook(client, number["key"], body, secret="x").status_code == 401
    not_whatsapp = b'{"object":"page","entry":[]}'
    assert post_webhook(client, number["key"], not_whatsapp).status_code == 400
    assert post_webhook(client, "no-such-channel", body).status_code == 404
    app.config["MAX_CONTENT_LENGTH"] = 100
    assert post_webhook(client, number["key"], body).status_code == 413  # fast
    keys_cache.clear()
    assert post_webhook(client, number["key"], body).status_code == 413  # Flask
    after = scrape(client)

    def delta(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after[key] - before.get(key, 0)

    assert delta("leadgate_webhooks_received_total") == 2
    refused = "leadgate_webhooks_refused_total"
    assert delta(refused, reason="signature") == 1
    assert delta(refused, reason="not_whatsapp") == 1
    assert delta(refused, reason="unknown_channel") == 1
    assert delta(refused, reason="too_large") == 2
    assert delta(refused, reason="db_unavailable") == 0


def test_state_gauges_are_read_at_scrape_time(app, client):
    app.config["METRICS_TOKEN"] = TOKEN
    number = connect_number(app)
    with app.app_context():
        db.session.add_all(
            [
                WebhookEvent(
                    channel_id=number["id"],
                    body=b"{}",
                    received_at=utcnow() - timedelta(minutes=2),
                ),
                WebhookEvent(channel_id=number["id"], body=b"{}"),
                WebhookEvent(channel_id=number["id"], body=b"{}", state="failed"),
            ]
        )
        db.session.commit()
        Queue("low", connection=redis_connection()).enqueue(purge_expired_invites)
    values = scrape(client)
    assert values[("leadgate_webhook_events_pending", ())] == 2
    assert values[("leadgate_webhook_events_failed", ())] == 1
    assert 120 <= values[("leadgate_webhook_ingest_lag_seconds", ())] < 300
    assert values[("leadgate_queue_depth", (("queue", "low"),))] == 1
    assert values[("leadgate_queue_depth", (("queue", "high"),))] == 0
    up = "leadgate_dependency_up"
    assert values[(up, (("dependency", "database"),))] == 1
    assert values[(up, (("dependency", "redis"),))] == 1


def test_no_personal_data_in_any_metric(app, client):
    """Labels hold reasons, outcomes and queue names: no number, name or key."""
    app.config["METRICS_TOKEN"] = TOKEN
    number = connect_number(app)
    body = text_webhook("wamid.private.1", "Meine Adresse ist geheim", "4917612345678")
    post_webhook(client, number["key"], body)
    text = client.get("/metrics", headers=BEARER).get_data(as_text=True)
    for private in ("4917612345678", "Erika", "geheim", number["key"], OWNER):
        assert private not in text


@pytest.fixture
def emulator(app):
    receiver = WebhookReceiver()
    harness = EmulatorHarness(emulator_config(receiver.url))
    app.config["WHATSAPP_GRAPH_URL"] = f"{harness.url}/v25.0"
    app.config["WHATSAPP_TIMEOUT_SECONDS"] = 0.5
    outbound.APP = app
    yield harness
    harness.server.stop()
    receiver.stop()


def test_sends_are_counted_by_outcome_and_error_code_with_latency(
    app, client, auth, emulator
):
    from .emulator_support import PHONE_ID, SECRET, TOKEN, WABA_ID
    from .support import owner_with_channel

    key = owner_with_channel(
        app,
        auth,
        phone_number_id=PHONE_ID,
        waba_id=WABA_ID,
        access_token=TOKEN,
        app_secret=SECRET,
    )
    conversation_id = outbound.customer_writes(client, emulator, key)
    sent = sample("leadgate_sends_total", outcome="sent", error_code="")
    failed = sample("leadgate_sends_total", outcome="failed", error_code="131026")
    timed = sample("leadgate_send_seconds_count")
    outbound.send_text(client, conversation_id, "Guten Tag!")
    outbound.arm(emulator, kind="graph_error", status=400, code=131026)
    outbound.send_text(client, conversation_id, "Noch eine Frage?")
    assert sample("leadgate_sends_total", outcome="sent", error_code="") == sent + 1
    assert (
        sample("leadgate_sends_total", outcome="failed", error_code="131026")
        == failed + 1
    )
    assert sample("leadgate_send_seconds_count") == timed + 2


def test_media_given_up_on_are_counted(app, client, monkeypatch):
    key = owner_with_payload_channel(app)
    post_signed(client, key, payload_bytes("image_caption"))  # Graph: a closed port
    with app.app_context():
        message_id = db.session.scalar(select(Message.id))
    failed = sample("leadgate_media_download_failures_total")
    assert download_until_settled(app, monkeypatch, message_id) == "failed"
    assert sample("leadgate_media_download_failures_total") == failed + 1


def test_open_live_streams_are_counted(app, client, auth):
    connect_number(app)
    auth.login(OWNER)
    open_before = sample("leadgate_sse_clients")
    response = client.get("/inbox/events", buffered=False)
    assert next(iter(response.response)).startswith(b"retry: ")
    assert sample("leadgate_sse_clients") == open_before + 1
    response.close()
    assert sample("leadgate_sse_clients") == open_before


MULTIPROCESS_SCRIPT = textwrap.dedent(
    """
    import multiprocessing, runpy, sys, types
    from leadgate import create_app, metrics

    def counts():
        metrics.count_webhook(200)
        metrics.count_webhook(401)
        metrics.SSE_CLIENTS.inc()  # a stream left open when the process ends

    fork = multiprocessing.get_context("fork")
    children = [fork.Process(target=counts) for _ in range(2)]
    for child in children:
        child.start()
        child.join()
    metrics.count_webhook(200)
    app = create_app(
        {"TESTING": True, "METRICS_TOKEN": "t", "SQLALCHEMY_DATABASE_URI": sys.argv[1]}
    )
    client = app.test_client()
    scrape = lambda: client.get("/metrics", headers={"Authorization": "Bearer t"})
    print(scrape().get_data(as_text=True))
    print("---")
    hooks = runpy.run_path("gunicorn.conf.py")  # as gunicorn does per dead worker
    for child in children:
        hooks["child_exit"](None, types.SimpleNamespace(pid=child.pid))
    print(scrape().get_data(as_text=True))
    """
)


def test_metrics_add_up_across_processes(database_url, tmp_path):
    """Under gunicorn (PROMETHEUS_MULTIPROC_DIR) any process reports every process."""
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "LEADGATE_INSTANCE_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", MULTIPROCESS_SCRIPT, database_url],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    live, after_exit = (scraped(part) for part in result.stdout.split("---"))
    assert live[("leadgate_webhooks_received_total", ())] == 3
    refused = ("leadgate_webhooks_refused_total", (("reason", "signature"),))
    assert live[refused] == 2
    assert live[("leadgate_sse_clients", ())] == 2
    assert after_exit[("leadgate_sse_clients", ())] == 0  # gone with their process
    assert after_exit[("leadgate_webhooks_received_total", ())] == 3  # counts stay
