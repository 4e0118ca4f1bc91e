"""Faults of the real services, provoked on purpose: nothing acknowledged is lost,
nothing is done twice.

(a) Redis restarted (empty) while messages wait in its queue: the sweeper finds
    them in PostgreSQL and a real `leadgate worker` sends each exactly once.
(b) PostgreSQL away for a few seconds during webhook intake: webhooks get 503
    with Retry-After, Meta's retries are stored afterwards, each message once.

They start private services (a redis-server on a free port, a TCP proxy in front
of PostgreSQL), never touching the machine's shared ones, and run where CI has
PostgreSQL and Redis (DATABASE_URL, REDIS_URL).
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from leadgate import create_app
from leadgate.extensions import db
from leadgate.models import Message, WebhookEvent
from leadgate.outbound import recovery
from leadgate.queue import redis_connection
from leadgate.webhooks.contract import keys_cache
from leadgate.webhooks.writer import stop_writer

from . import processes
from .emulator_support import (
    PHONE_ID,
    SECRET,
    TOKEN,
    WABA_ID,
    EmulatorHarness,
    WebhookReceiver,
    emulator_config,
)
from .live import free_port
from .ops_support import connect_number, post_webhook, run_worker, sample, text_webhook
from .outbound import helpers as outbound
from .support import CsrfClient, owner_with_channel

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.skipif(
    not (
        os.environ.get("DATABASE_URL", "").startswith("postgres")
        and os.environ.get("REDIS_URL")
    ),
    reason="fault tests need PostgreSQL and Redis (CI sets DATABASE_URL, REDIS_URL); "
    "SQLite and the in-process fakeredis cannot fail like the real services",
)


def wait_for(condition, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached in {timeout} s")


# --- (a) Redis restarted while messages are queued -----------------------------


class PrivateRedis:
    """A redis-server of this test's own that keeps nothing on disk."""

    def __init__(self, workdir: Path) -> None:
        if not Path(REDIS_SERVER).exists():
            pytest.skip("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.process = processes.start(
            [
                REDIS_SERVER,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.workdir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        try:
            wait_for(self._answers(client), 10, "redis-server start")
        finally:
            client.close()

    @staticmethod
    def _answers(client):
        def ping() -> bool:
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        return ping

    def kill(self) -> None:
        """Gone at once, like a crash: what was queued is lost with it."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process:
            processes.stop(self.process)


@pytest.fixture
def private_redis(app, tmp_path):
    server = PrivateRedis(tmp_path)
    redis_connection(app).close()
    app.config["REDIS_URL"] = server.url  # the queue (not the rate limits) moves
    app.extensions.pop("leadgate_redis", None)
    yield server
    redis_connection(app).close()
    server.stop()


@pytest.fixture
def emulator(app):
    receiver = WebhookReceiver()
    harness = EmulatorHarness(emulator_config(receiver.url))
    app.config["WHATSAPP_GRAPH_URL"] = f"{harness.url}/v25.0"
    outbound.APP = app
    yield harness
    harness.server.stop()
    receiver.stop()


def start_worker(app, database_url: str, redis_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "test",
        "WHATSAPP_GRAPH_URL": app.config["WHATSAPP_GRAPH_URL"],
    }
    return processes.start(
        [BIN / "leadgate", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_queued_messages_survive_a_redis_restart_and_go_out_once(
    app, client, auth, emulator, private_redis, database_url, monkeypatch
):
    key = owner_with_channel(
        app,
        auth,
        phone_number_id=PHONE_ID,
        waba_id=WABA_ID,
        access_token=TOKEN,
        app_secret=SECRET,
    )
    conversation_id = outbound.customer_writes(client, emulator, key)
    app.config["QUEUE_IS_ASYNC"] = True  # jobs wait in the private Redis
    texts = [f"Angebot Nummer {n}" for n in range(8)]
    for text in texts:
        assert outbound.send_text(client, conversation_id, text).status_code == 303
    queued = redis.Redis.from_url(private_redis.url)
    assert queued.llen("rq:queue:default") >= 1  # the delivery job is waiting
    queued.close()

    private_redis.kill()
    private_redis.start()  # empty: the jobs and their marks are gone
    worker = start_worker(app, database_url, private_redis.url)
    try:
        time.sleep(2)  # the worker idles: nothing in its queue
        assert outbound.sent_at_emulator(emulator) == []
        assert {m.status for m in outbound.read(select(Message))} >= {"queued"}
        # The sweeper (rq cron, every 30 s) re-enqueues what waits too long.
        monkeypatch.setattr(recovery, "LOST_JOB_AFTER", timedelta(0))
        with app.app_context():
            assert recovery.sweep_outbound()["requeued"] == 1
        wait_for(
            lambda: len(outbound.sent_at_emulator(emulator)) == len(texts),
            what="every message at the emulator",
        )
        time.sleep(1)  # room for a duplicate to show up
        with app.app_context():
            recovery.sweep_outbound()  # nothing left to requeue: no second send
        time.sleep(1)
    finally:
        processes.stop(worker)
    sent = outbound.sent_at_emulator(emulator)
    bodies = sorted(m["body"]["text"]["body"] for m in sent)
    assert bodies == sorted(texts)  # each exactly once
    mine = outbound.read(
        select(Message).where(Message.direction == "out").order_by(Message.id)
    )
    assert [m.status for m in mine] == ["sent"] * len(texts)
    assert [m.attempts for m in mine] == [1] * len(texts)
    assert {m.wamid for m in mine} == {m["id"] for m in sent}


# --- (b) PostgreSQL away during webhook intake ----------------------------------


class TcpProxy:
    """Forwards a local port to PostgreSQL; cut() drops every connection and
    refuses new ones until restore()."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self.lock = threading.Lock()
        self.sockets: set[socket.socket] = set()
        self.listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(
            target=self._accept, args=(self.listener,), daemon=True
        ).start()

    def cut(self) -> None:
        with self.lock:
            listener, self.listener = self.listener, None
            sockets, self.sockets = self.sockets, set()
        self._close(listener)
        for sock in sockets:
            self._close(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
                upstream = socket.create_connection(self.target)
            except OSError:
                return  # cut: the listener is closed
            with self.lock:
                self.sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pipe, args=(source, sink), daemon=True
                ).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source)
            self._close(sink)

    @staticmethod
    def _close(sock: socket.socket | None) -> None:
        if sock is None:
            return
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


@pytest.fixture
def proxied(app, database_url):
    """The app as a web process whose database connections go through a proxy."""
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    through = url.set(host="127.0.0.1", port=proxy.port)
    web = create_app(
        {
            **{k: app.config[k] for k in ("SECRET_KEY", "MEDIA_DIR", "BASE_URL")},
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": through.render_as_string(hide_password=False),
            "QUEUE_IS_ASYNC": True,  # drains run in the worker, as in production
            "WEBHOOK_DRAIN_LINGER_SECONDS": 0,
            "WHATSAPP_GRAPH_URL": "http://127.0.0.1:9/v25.0",
        }
    )
    web.proxy = proxy
    web.test_client_class = CsrfClient
    yield web
    webhooks = web.extensions["leadgate_webhook_app"]
    stop_writer(id(webhooks))
    proxy.cut()
    for each in (web, webhooks):
        with each.app_context():
            db.session.remove()
            db.engine.dispose()
    redis_connection(web).close()


def test_webhooks_during_a_database_outage_are_refused_then_stored_once(app, proxied):
    number = connect_number(app)
    client = proxied.test_client()
    keys_cache.clear()
    sent: dict[str, bytes] = {}  # wamid → body, everything Meta posted
    answers: dict[str, int] = {}

    def deliver(wamid: str) -> int:
        body = sent.setdefault(wamid, text_webhook(wamid, f"Nachricht {wamid}"))
        response = post_webhook(client, number["key"], body)
        answers[wamid] = response.status_code
        if response.status_code == 503:
            assert response.headers["Retry-After"] == "5"
        return response.status_code

    refused_before = sample("leadgate_webhooks_refused_total", reason="db_unavailable")
    for n in range(5):
        assert deliver(f"wamid.before.{n}") == 200

    proxied.proxy.cut()
    outage_end = time.monotonic() + 3
    n = 0
    while time.monotonic() < outage_end:
        if n == 3:
            keys_cache.clear()  # a process that must look it up
        deliver(f"wamid.during.{n}")
        n += 1
        time.sleep(0.05)
    during = [w for w in answers if w.startswith("wamid.during.")]
    assert {answers[w] for w in during} == {503}
    readiness = client.get("/readyz")
    assert readiness.status_code == 503 and "database" in readiness.json["failed"]
    # A drain that runs now fails as a whole (the job is recorded as failed in
    # RQ); it marks no event failed: the database was away, not the event bad.
    run_worker(proxied)
    refused = sample("leadgate_webhooks_refused_total", reason="db_unavailable")
    assert refused - refused_before == len(during)

    proxied.proxy.restore()
    # Meta retries what was not acknowledged (here at once, instead of minutes).
    for wamid in during:
        wait_for(lambda w=wamid: deliver(w) == 200, 15, f"retry of {wamid}")
    for n in range(5):
        assert deliver(f"wamid.after.{n}") == 200
    assert client.get("/readyz").status_code == 200
    run_worker(proxied)

    with app.app_context():
        stored = db.session.execute(
            select(Message.wamid, func.count()).group_by(Message.wamid)
        ).all()
        states = db.session.execute(
            select(WebhookEvent.state, func.count()).group_by(WebhookEvent.state)
        ).all()
    assert dict(stored) == dict.fromkeys(sent, 1)  # every message, once
    # None failed, none left. (A body whose commit went through just as the
    # connection broke was answered 503 and stored again by the retry: two
    # events, one message.)
    assert set(dict(states)) == {"processed"}
    assert dict(states)["processed"] >= len(sent)
    assert set(answers.values()) == {200}
