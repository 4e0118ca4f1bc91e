"""Steps of the outbound tests: the customer writes, the agent sends, webhooks are relayed."""

from datetime import timedelta

from sqlalchemy import select, update

from leadgate.extensions import db
from leadgate.models import (
    Channel,
    Conversation,
    Message,
    MessageTemplate,
    utcnow,
)
from leadgate.outbound.delivery import deliver_due

from ..emulator_support import (
    CUSTOMER,
    SECRET,
    WebhookReceiver,
)
from ..webhook_fixtures import meta_bytes, sign

APP = None  # set by the autouse fixture in conftest.py


def run(job, *args):
    """Run a job function the way a worker does, in its own app context."""
    with APP.app_context():
        return job(*args)


def deliver() -> dict:
    """Run the send job for the test's channel, as a worker would; its outcomes."""
    [channel_id] = read(select(Channel.id))
    return run(deliver_due, channel_id)


def post_webhook(client, key: str, body: bytes) -> None:
    response = client.post(
        f"/webhooks/whatsapp/{key}",
        data=body,
        csrf=False,
        headers={"X-Hub-Signature-256": sign(body, SECRET)},
        content_type="application/json",
    )
    assert response.status_code == 200


def read(statement):
    """Fresh rows, detached from their session."""
    with APP.app_context():
        rows = db.session.scalars(statement).all()
        db.session.expunge_all()
        return rows


def change(model, *where, **values) -> None:
    with APP.app_context():
        db.session.execute(update(model).where(*where).values(**values))
        db.session.commit()


def customer_writes(client, emulator, key: str) -> int:
    """The customer writes first (opening the window at Meta and here)."""
    answer = emulator.inject(**{"from": CUSTOMER, "deliver": False, "text": "Hallo?"})
    post_webhook(client, key, meta_bytes(answer["webhook"]))
    return read(select(Conversation.id))[0]


def relay(client, receiver: WebhookReceiver, key: str, count: int) -> None:
    """Pass the emulator's webhooks on to LeadGate, exactly as they were signed."""
    for entry in receiver.wait_for(count)[:count]:
        post_webhook(client, key, entry.body)


def send_text(client, conversation_id: int, text: str = "Guten Tag!"):
    return client.post(f"/inbox/{conversation_id}/messages", data={"text": text})


def outbound() -> Message | None:
    rows = read(select(Message).where(Message.direction == "out"))
    return rows[0] if rows else None


def sent_at_emulator(emulator) -> list[dict]:
    return emulator.admin("GET", "messages")["data"]


def arm(emulator, **fault) -> None:
    emulator.admin("POST", "faults", json={"match": "/messages", **fault})


def sync(client) -> None:
    response = client.post("/settings/channels/templates/sync")
    assert response.status_code == 303


def template_id(name: str) -> int:
    return read(select(MessageTemplate.id).where(MessageTemplate.name == name))[0]


def close_window() -> None:
    change(Message, sent_at=utcnow() - timedelta(hours=25))
