"""Concurrent drains take different senders instead of queueing behind each other.

"Another drain" is a second database connection holding the advisory lock of one
sender (leadgate/webhooks/senders.py), as a drain in another worker does while
its batch is open.
"""

import pytest
from sqlalchemy import select, text

from leadgate.extensions import db
from leadgate.models import Channel, Message, WebhookEvent
from leadgate.webhooks import ingest
from leadgate.webhooks.senders import sender_key

from .ops_support import connect_number, post_webhook, text_webhook

BUSY, FREE = "4915111111111", "4915122222222"


@pytest.fixture
def number(app):
    app.config["QUEUE_IS_ASYNC"] = True  # events stay pending until a drain runs
    number = connect_number(app)
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("advisory locks are PostgreSQL's (SQLite has one writer)")
        number["workspace_id"] = db.session.get(Channel, number["id"]).workspace_id
    return number


def receive(client, number, *senders: str) -> None:
    for n, wa_id in enumerate(senders):
        body = text_webhook(f"wamid.{n}", f"Nachricht {n}", wa_id=wa_id)
        assert post_webhook(client, number["key"], body).status_code == 200


def stored(app) -> tuple[list[str], list[str]]:
    """The stored messages' wamids and the events' states, in order."""
    with app.app_context():
        wamids = sorted(db.session.scalars(select(Message.wamid)))
        states = list(
            db.session.scalars(select(WebhookEvent.state).order_by(WebhookEvent.id))
        )
        return wamids, states


class AnotherDrain:
    """A second connection holding one sender's lock in an open transaction."""

    def __init__(self, app, number, wa_id: str):
        with app.app_context():
            self.connection = db.engine.connect()
        self.transaction = self.connection.begin()
        key = sender_key(number["workspace_id"], wa_id)
        self.connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": key}
        )

    def commit(self) -> None:
        self.transaction.commit()
        self.connection.close()


def test_a_drain_leaves_a_sender_another_drain_works_on_for_the_next_batch(
    app, client, number
):
    receive(client, number, BUSY, FREE, BUSY, FREE)
    other = AnotherDrain(app, number, BUSY)
    try:
        with app.app_context():
            assert ingest.process_batch() == 4  # claimed all four
    finally:
        other.commit()
    assert stored(app) == (
        ["wamid.1", "wamid.3"],
        ["pending", "processed", "pending", "processed"],
    )

    with app.app_context():
        assert ingest.process_batch() == 2  # the other drain is done: the rest
    assert stored(app) == (
        ["wamid.0", "wamid.1", "wamid.2", "wamid.3"],
        ["processed"] * 4,
    )


def test_a_batch_of_busy_senders_only_is_applied_rather_than_left(app, client, number):
    """Leaving every event would make the drain spin; it goes ahead (the contact's
    row lock makes it wait where another drain really writes the same contact)."""
    receive(client, number, BUSY, BUSY)
    other = AnotherDrain(app, number, BUSY)
    try:
        with app.app_context():
            assert ingest.process_batch() == 2
    finally:
        other.commit()
    assert stored(app) == (["wamid.0", "wamid.1"], ["processed", "processed"])
