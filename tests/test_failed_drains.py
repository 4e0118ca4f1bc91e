"""A webhook event that cannot be applied fails alone, shows up for the platform
admin, and is applied once when sent back after its cause is fixed."""

import logging
import os

import pytest
from sqlalchemy import select, text

from leadgate.extensions import db
from leadgate.models import AuditEvent, Message, WebhookEvent
from leadgate.webhooks import failures, ingest

from .ops_support import (
    connect_number,
    post_webhook,
    run_worker,
    sample,
    text_webhook,
)
from .support import make_user

POISON = "wamid.poison"
POISONED_TEXT = "Diese Nachricht bricht die Verarbeitung"
POISONED_NUMBER = "4915199999999"
ADMIN = "ops@example.com"

# A rule in the database that the code does not expect, e.g. a constraint added
# by hand: storing these messages fails, for real, inside the drain's INSERT.
SQLITE_POISON = (
    "CREATE TRIGGER lg_test_poison BEFORE INSERT ON message "
    f"WHEN NEW.wamid LIKE '{POISON}%' BEGIN SELECT RAISE(ABORT, 'poisoned'); END"
)
POSTGRES_POISON = (
    "CREATE FUNCTION lg_test_poison() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN IF NEW.wamid LIKE '{POISON}%' THEN "
    "RAISE EXCEPTION 'poisoned' USING ERRCODE = '{errcode}'; END IF; "
    "RETURN NEW; END $$",
    "CREATE TRIGGER lg_test_poison BEFORE INSERT ON message "
    "FOR EACH ROW EXECUTE FUNCTION lg_test_poison()",
)


class Poison:
    def __init__(self, app) -> None:
        self.app = app

    def install(self, errcode: str = "check_violation") -> None:
        with self.app.app_context():
            if db.engine.dialect.name == "postgresql":
                function, trigger = POSTGRES_POISON
                db.session.execute(text(function.replace("{errcode}", errcode)))
                db.session.execute(text(trigger))
            else:
                db.session.execute(text(SQLITE_POISON))
            db.session.commit()

    def cure(self) -> None:
        with self.app.app_context():
            if db.engine.dialect.name == "postgresql":
                db.session.execute(
                    text("DROP TRIGGER IF EXISTS lg_test_poison ON message")
                )
                db.session.execute(text("DROP FUNCTION IF EXISTS lg_test_poison()"))
            else:
                db.session.execute(text("DROP TRIGGER IF EXISTS lg_test_poison"))
            db.session.commit()


@pytest.fixture
def poison(app):
    poison = Poison(app)
    yield poison
    poison.cure()  # the schema outlives the test


@pytest.fixture
def number(app):
    app.config["QUEUE_IS_ASYNC"] = True  # drains go to the queue; a worker runs them
    return connect_number(app)


def events(app) -> list[WebhookEvent]:
    with app.app_context():
        rows = db.session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)).all()
        db.session.expunge_all()
        return rows


def wamids(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(Message.wamid)))


def receive(client, number, *bodies) -> None:
    for body in bodies:
        assert post_webhook(client, number["key"], body).status_code == 200


def as_platform_admin(app, auth) -> None:
    with app.app_context():
        admin = make_user(ADMIN, name="Paula Plattform")
        admin.is_platform_admin = True
        db.session.commit()
    auth.login(ADMIN)


def test_a_poisoned_event_fails_alone_and_is_applied_once_when_fixed(
    app, client, auth, number, poison, caplog
):
    poison.install()
    receive(
        client,
        number,
        text_webhook("wamid.ok.1", "Erste Nachricht"),
        text_webhook(POISON + ".1", POISONED_TEXT, wa_id=POISONED_NUMBER),
        text_webhook("wamid.ok.2", "Zweite Nachricht"),
    )
    counted = sample("leadgate_webhook_drain_failures_total")
    with caplog.at_level(logging.DEBUG):
        run_worker(app)  # one drain job: the three events are one batch

    first, poisoned, last = events(app)
    assert (first.state, last.state) == ("processed", "processed")
    assert wamids(app) == ["wamid.ok.1", "wamid.ok.2"]  # the rest of the batch
    assert poisoned.state == "failed" and poisoned.failed_at is not None
    # sqlite3's IntegrityError, or psycopg's CheckViolation (an IntegrityError)
    assert poisoned.error_class in ("IntegrityError", "IntegrityError/CheckViolation")
    assert (poisoned.failures, poisoned.attempts) == (1, 1)  # no retry loop
    assert sample("leadgate_webhook_drain_failures_total") == counted + 1
    # The log names the class and where it broke, never the error's message
    # (a database error quotes the values it choked on) nor personal data.
    assert "IntegrityError" in caplog.text
    for secret in ("poisoned", POISONED_TEXT, POISONED_NUMBER, "Erika"):
        assert secret not in caplog.text

    auth.login("owner@example.com")  # a workspace owner is no platform admin
    assert client.get("/admin/webhooks/failed").status_code == 404
    auth.logout()
    as_platform_admin(app, auth)
    page = client.get("/admin/webhooks/failed").get_data(as_text=True)
    assert f'id="webhook-event-{poisoned.id}"' in page
    assert poisoned.error_class in page and "Vertrieb" in page
    assert f'id="webhook-event-{first.id}"' not in page
    assert POISONED_TEXT not in page and POISONED_NUMBER not in page  # no body

    url = f"/admin/webhooks/failed/{poisoned.id}/requeue"
    assert client.post(url, csrf=False).status_code == 400
    assert events(app)[1].state == "failed"

    poison.cure()
    response = client.post(url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/webhooks/failed")
    run_worker(app)
    assert wamids(app) == ["wamid.ok.1", "wamid.ok.2", POISON + ".1"]
    assert events(app)[1].state == "processed"
    with app.app_context():
        audit = db.session.scalars(select(AuditEvent)).one()
        assert audit.action == "webhooks.requeued"
        assert audit.details == {"count": 1, "event_ids": [poisoned.id]}
        assert audit.workspace_id is None  # a platform action

    # Sent back again: nothing is failed any more, nothing is applied twice.
    assert client.post(url).status_code == 404
    run_worker(app)
    assert wamids(app).count(POISON + ".1") == 1
    assert "Keine fehlgeschlagenen Webhooks" in client.get(
        "/admin/webhooks/failed"
    ).get_data(as_text=True)


def test_all_failed_events_go_back_at_once(app, client, auth, number, poison):
    poison.install()
    receive(
        client,
        number,
        text_webhook(POISON + ".1", "eins", wa_id="4915100000001"),
        text_webhook(POISON + ".2", "zwei", wa_id="4915100000002"),
    )
    run_worker(app)
    assert [e.state for e in events(app)] == ["failed", "failed"]
    as_platform_admin(app, auth)
    page = client.get("/admin/webhooks/failed").get_data(as_text=True)
    assert "Alle erneut verarbeiten (2)" in page

    poison.cure()
    requeued = sample("leadgate_webhook_events_requeued_total")
    response = client.post("/admin/webhooks/failed/requeue", follow_redirects=True)
    assert "2 Webhooks werden erneut verarbeitet." in response.get_data(as_text=True)
    assert sample("leadgate_webhook_events_requeued_total") == requeued + 2
    run_worker(app)
    assert [e.state for e in events(app)] == ["processed", "processed"]
    assert wamids(app) == [POISON + ".1", POISON + ".2"]
    assert [e.failures for e in events(app)] == [1, 1]  # the history stays


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL"),
    reason="needs PostgreSQL (CI): SQLite cannot raise a deadlock from a trigger",
)
def test_a_transient_database_error_is_retried_not_marked_failed(app, number, poison):
    """A deadlock (or a lost connection) says nothing about the event: try again."""
    poison.install(errcode="deadlock_detected")
    with app.app_context():
        db.session.add(
            WebhookEvent(channel_id=number["id"], body=text_webhook(POISON, "x"))
        )
        db.session.commit()
        ingest.process_batch()
    [event] = events(app)
    assert (event.state, event.attempts) == ("pending", 1)
    assert event.error_class == "OperationalError/DeadlockDetected"
    poison.cure()
    with app.app_context():
        ingest.process_batch()
    [event] = events(app)
    assert event.state == "processed" and wamids(app) == [POISON]


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL"),
    reason="needs PostgreSQL (CI): SQLite cannot raise a deadlock from a trigger",
)
def test_a_transient_error_that_persists_ends_as_failed(app, number, poison):
    poison.install(errcode="deadlock_detected")
    with app.app_context():
        db.session.add(
            WebhookEvent(channel_id=number["id"], body=text_webhook(POISON, "x"))
        )
        db.session.commit()
        for _ in range(failures.MAX_TRANSIENT_ATTEMPTS):
            ingest.process_batch()
    [event] = events(app)
    assert event.state == "failed"
    assert event.failures == failures.MAX_TRANSIENT_ATTEMPTS


def test_json_nested_too_deep_is_ignored_not_failed(app, number):
    """Such a body can never be read: no failure to retry, no crash of the drain."""
    depth = 100_000
    body = (
        b'{"object":"whatsapp_business_account","entry":'
        + b"[" * depth
        + b"]" * depth
        + b"}"
    )
    with app.app_context():
        db.session.add(WebhookEvent(channel_id=number["id"], body=body))
        db.session.commit()
        ingest.process_batch()
    [event] = events(app)
    assert (event.state, event.note) == ("ignored", "unreadable payload")
