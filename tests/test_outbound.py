"""Outbound texts through the real pipeline against the emulator over HTTP.

Jobs run inline (QUEUE_IS_ASYNC is off in tests) except in the worker-kill test,
which starts a real `leadgate worker` on Redis; status webhooks the emulator
delivers to a receiver are relayed to LeadGate's webhook endpoint as they came.
"""

import io
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import select, update

from leadgate.extensions import db
from leadgate.models import (
    Channel,
    Contact,
    Conversation,
    Message,
    MessageTemplate,
    SendAttempt,
    utcnow,
)
from leadgate.outbound import attachments
from leadgate.outbound.delivery import deliver_message, sweep_outbound
from leadgate.outbound.pacing import reserve
from leadgate.outbound.reasons import UNCONFIRMED

from .emulator_support import (
    CUSTOMER,
    PHONE_ID,
    PNG,
    SECRET,
    TOKEN,
    WABA_ID,
    EmulatorHarness,
    WebhookReceiver,
    emulator_config,
)
from .support import owner_with_channel
from .webhook_fixtures import meta_bytes, sign


@pytest.fixture(autouse=True)
def remember_app(app):
    """Helpers open a short app context per step: a long one would keep SQLite's
    write lock between the test client's requests."""
    global APP
    APP = app
    yield


APP = None


def run(job, *args):
    """Run a job function the way a worker does, in its own app context."""
    with APP.app_context():
        return job(*args)


@pytest.fixture
def receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def emulator(app, receiver):
    harness = EmulatorHarness(emulator_config(receiver.url))
    app.config["WHATSAPP_GRAPH_URL"] = f"{harness.url}/v25.0"
    app.config["WHATSAPP_TIMEOUT_SECONDS"] = 0.5
    yield harness
    harness.server.stop()


@pytest.fixture
def channel_key(app, auth):
    return owner_with_channel(
        app,
        auth,
        phone_number_id=PHONE_ID,
        waba_id=WABA_ID,
        access_token=TOKEN,
        app_secret=SECRET,
    )


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


def test_a_text_goes_out_and_its_ticks_arrive(client, emulator, receiver, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    response = send_text(client, conversation_id, "Guten Tag, <b>Erika</b>!")
    assert response.status_code == 303
    message = outbound()
    assert message.status == "sent" and message.wamid
    [attempt] = read(select(SendAttempt))
    assert (attempt.outcome, attempt.wamid, attempt.number) == (
        "accepted",
        message.wamid,
        1,
    )
    [sent] = sent_at_emulator(emulator)
    assert sent["id"] == message.wamid and sent["to"] == CUSTOMER
    relay(client, receiver, channel_key, 3)  # sent, delivered, read
    assert outbound().status == "read"
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "gelesen" in page and "&lt;b&gt;Erika&lt;/b&gt;" in page


def test_the_conversation_shows_the_answer_as_its_latest_activity(
    client, emulator, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    send_text(client, conversation_id, "Wir melden uns gleich.")
    [conversation] = read(select(Conversation))
    assert conversation.last_message_preview == "Wir melden uns gleich."


def test_outside_the_window_free_text_is_refused_with_the_reason(
    client, emulator, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    change(Message, sent_at=utcnow() - timedelta(hours=25))
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "24-Stunden-Fenster ist geschlossen" in page
    assert 'name="text"' not in page  # no composer for free text
    response = send_text(client, conversation_id)
    assert "24-Stunden-Fenster ist geschlossen" in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert outbound() is None and sent_at_emulator(emulator) == []


def test_inside_the_window_the_composer_shows_when_it_closes(
    client, emulator, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert 'name="text"' in page and "Fenster offen bis" in page


@pytest.mark.parametrize("field", ["opted_out_at", "restricted_at"])
def test_opted_out_or_restricted_contacts_cannot_be_messaged(
    client, emulator, channel_key, field
):
    conversation_id = customer_writes(client, emulator, channel_key)
    change(Contact, **{field: utcnow()})
    send_text(client, conversation_id)
    assert outbound() is None and sent_at_emulator(emulator) == []


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "graph_error", "status": 400, "code": 130429},
        {"kind": "graph_error", "status": 400, "code": 131056},
        {"kind": "graph_error", "status": 400, "code": 131000},
        {"kind": "graph_error", "status": 503},
    ],
    ids=["throughput", "pair-rate", "something-went-wrong", "http-503"],
)
def test_temporary_errors_are_retried_later_and_sent_once(
    client, emulator, channel_key, fault
):
    conversation_id = customer_writes(client, emulator, channel_key)
    arm(emulator, **fault)
    send_text(client, conversation_id)
    message = outbound()
    assert message.status == "queued" and message.next_attempt_at is not None
    assert sent_at_emulator(emulator) == []
    change(Message, next_attempt_at=utcnow() - timedelta(seconds=1))  # backoff over
    assert run(deliver_message, message.id) == "sent"
    assert run(deliver_message, message.id) == "done"  # a duplicate job sends nothing
    outcomes = read(select(SendAttempt.outcome).order_by(SendAttempt.number))
    assert outcomes == ["retry", "accepted"]
    assert len(sent_at_emulator(emulator)) == 1


def test_a_retry_is_not_sent_before_its_time(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    arm(emulator, kind="graph_error", status=400, code=130429)
    send_text(client, conversation_id)
    assert run(deliver_message, outbound().id) == "not due"
    assert sent_at_emulator(emulator) == []


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (131026, "Nicht zustellbar"),
        (131050, "Marketing-Nachrichten"),
        (131049, "frühestens morgen"),
        (132001, "Fehler in der Vorlage"),
        (100, "ungültiger Parameter"),
    ],
)
def test_permanent_errors_fail_at_once_with_their_reason(
    client, emulator, channel_key, code, words
):
    conversation_id = customer_writes(client, emulator, channel_key)
    arm(emulator, kind="graph_error", status=400, code=code)
    send_text(client, conversation_id)
    message = outbound()
    assert (message.status, message.error_code, message.attempts) == (
        "failed",
        code,
        1,
    )
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert words in page and "Erneut senden" in page


def test_an_invalid_token_fails_and_flags_the_channel(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    arm(emulator, kind="graph_error", status=401, code=190)
    send_text(client, conversation_id)
    assert outbound().status == "failed"
    assert read(select(Channel.needs_new_token)) == [True]
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "neues Zugriffstoken" in page


def test_resend_makes_a_new_recorded_attempt(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    arm(emulator, kind="graph_error", status=400, code=131026)
    send_text(client, conversation_id)
    message = outbound()
    response = client.post(f"/inbox/messages/{message.id}/resend")
    assert response.status_code == 303
    assert outbound().status == "sent"
    attempts = read(select(SendAttempt).order_by(SendAttempt.number))
    assert [(a.outcome, a.manual) for a in attempts] == [
        ("failed", False),
        ("accepted", True),
    ]
    assert len(sent_at_emulator(emulator)) == 1


def test_only_failed_messages_can_be_resent(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    send_text(client, conversation_id)
    client.post(f"/inbox/messages/{outbound().id}/resend")
    assert len(sent_at_emulator(emulator)) == 1


def test_a_send_without_answer_is_settled_by_its_status_webhook(
    client, emulator, receiver, channel_key
):
    """Meta accepted it but the answer never came: no second send, the status tells."""
    conversation_id = customer_writes(client, emulator, channel_key)
    arm(emulator, kind="graph_delay", delay=1.0)
    send_text(client, conversation_id)
    message = outbound()
    assert message.status == "sending" and message.wamid is None
    assert run(deliver_message, message.id) == "done"  # no second try on its own
    relay(client, receiver, channel_key, 3)
    message = outbound()
    [sent] = sent_at_emulator(emulator)
    assert message.wamid == sent["id"] and message.status == "read"


def test_an_unanswered_send_without_status_asks_the_agent(
    client, emulator, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    send_text(client, conversation_id)
    change(
        Message,
        Message.direction == "out",
        status="sending",
        wamid=None,
        sending_since=utcnow() - timedelta(minutes=10),
    )
    assert run(sweep_outbound)["unconfirmed"] == 1
    assert (outbound().status, outbound().error_title) == ("failed", UNCONFIRMED)
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "Zustellung unklar" in page


def test_the_sweeper_sends_a_message_whose_job_was_lost_exactly_once(
    client, app, emulator, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    app.config["QUEUE_IS_ASYNC"] = True  # the job goes to a queue no worker serves
    send_text(client, conversation_id)
    app.config["QUEUE_IS_ASYNC"] = False
    assert outbound().status == "queued" and sent_at_emulator(emulator) == []
    change(Message, sent_at=utcnow() - timedelta(minutes=1))  # the job is overdue
    assert run(sweep_outbound)["requeued"] == 1  # runs inline: sends
    assert run(sweep_outbound)["requeued"] == 0
    assert outbound().status == "sent" and len(sent_at_emulator(emulator)) == 1


def test_messages_of_a_conversation_go_out_in_order(client, app, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    app.config["QUEUE_IS_ASYNC"] = True
    send_text(client, conversation_id, "erste")
    send_text(client, conversation_id, "zweite")
    app.config["QUEUE_IS_ASYNC"] = False
    first, second = read(
        select(Message.id).where(Message.direction == "out").order_by(Message.id)
    )
    assert run(deliver_message, second) == "waiting"
    assert run(deliver_message, first) == "sent"
    assert run(deliver_message, second) == "sent"
    texts = [m["body"]["text"]["body"] for m in sent_at_emulator(emulator)]
    assert texts == ["erste", "zweite"]


def fail_by_webhook(client, emulator, key: str, wamid: str, code: int) -> None:
    answer = emulator.admin(
        "POST",
        "statuses",
        json={"message_id": wamid, "status": "failed", "error_code": code},
    )
    post_webhook(client, key, meta_bytes(answer["webhook"]))


def test_a_permanent_error_in_a_status_webhook_fails_the_message(
    client, emulator, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    send_text(client, conversation_id)
    fail_by_webhook(client, emulator, channel_key, outbound().wamid, 131026)
    message = outbound()
    assert (message.status, message.error_code) == ("failed", 131026)
    [attempt] = read(select(SendAttempt))
    assert (attempt.outcome, attempt.error_code) == ("failed", 131026)
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "Nicht zustellbar" in page


def test_a_temporary_error_in_a_status_webhook_sends_again_after_a_pause(
    client, emulator, channel_key
):
    """Meta reported the first send as failed: a new send is no duplicate."""
    conversation_id = customer_writes(client, emulator, channel_key)
    send_text(client, conversation_id)
    first_wamid = outbound().wamid
    fail_by_webhook(client, emulator, channel_key, first_wamid, 131000)
    message = outbound()
    assert message.status == "queued" and message.wamid is None
    assert message.next_attempt_at is not None
    change(Message, Message.id == message.id, next_attempt_at=utcnow())
    assert run(deliver_message, message.id) == "sent"
    message = outbound()
    assert message.status == "sent" and message.wamid != first_wamid
    attempts = read(select(SendAttempt).order_by(SendAttempt.number))
    assert [(a.outcome, a.wamid) for a in attempts] == [
        ("failed", first_wamid),
        ("accepted", message.wamid),
    ]


def test_channel_pacing_never_exceeds_the_rate_across_workers(app):
    """Four workers reserving at once still get slots 1/rate apart (shared in Redis)."""
    starts: list[float] = []
    lock = threading.Lock()

    def worker():
        with app.app_context():
            for _ in range(30):
                slot = reserve("leadgate:pace:channel:test", 0.01, 1, 10)
                assert slot.reserved
                with lock:
                    starts.append(slot.starts_at)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    starts.sort()
    assert len(starts) == 120
    gaps = [later - earlier for earlier, later in pairwise(starts)]
    assert min(gaps) >= 0.01 - 1e-6  # never two sends in one slot: ≤ 100 per second


def test_a_slot_too_far_ahead_is_not_taken(app):
    with app.app_context():
        assert reserve("leadgate:pace:x", 1.0, 1, 0).reserved
        later = reserve("leadgate:pace:x", 1.0, 1, 0.5)
        assert not later.reserved and 0.9 < later.wait <= 1.0
        assert reserve(
            "leadgate:pace:x", 1.0, 1, 2
        ).reserved  # the first refusal took nothing


def test_messages_to_one_person_beyond_the_burst_wait_in_the_queue(
    client, app, emulator, channel_key
):
    app.config["WHATSAPP_PAIR_BURST"] = 2
    conversation_id = customer_writes(client, emulator, channel_key)
    for text in ("eins", "zwei", "drei"):
        send_text(client, conversation_id, text)
    statuses = read(
        select(Message.status).where(Message.direction == "out").order_by(Message.id)
    )
    assert statuses == ["sent", "sent", "queued"]
    [waiting] = read(select(Message).where(Message.status == "queued"))
    assert waiting.next_attempt_at is not None and waiting.attempts == 0
    assert len(sent_at_emulator(emulator)) == 2  # Meta never saw a third: no 131056


def sync(client) -> None:
    response = client.post("/settings/channels/templates/sync")
    assert response.status_code == 303


def template_id(name: str) -> int:
    return read(select(MessageTemplate.id).where(MessageTemplate.name == name))[0]


def close_window() -> None:
    change(Message, sent_at=utcnow() - timedelta(hours=25))


def test_templates_are_synced_from_the_waba_and_listed_with_their_status(
    client, emulator, channel_key
):
    sync(client)
    names = read(select(MessageTemplate.name).order_by(MessageTemplate.name))
    assert {"hello_world", "termin_erinnerung", "angebot_nachfassen"} <= set(names)
    page = client.get("/settings/channels/templates").get_data(as_text=True)
    assert "termin_erinnerung" in page and "freigegeben" in page
    sync(client)  # again: updated, not duplicated
    assert len(read(select(MessageTemplate.id))) == len(names)


def test_outside_the_window_an_approved_template_goes_out_with_its_values(
    client, emulator, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    close_window()
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "termin_erinnerung" in page and "Vorlage senden" in page
    chosen = template_id("termin_erinnerung")
    fields = client.get(
        f"/inbox/{conversation_id}/template",
        query_string={"template_id": chosen, "var-BODY-1": "Erika"},
    ).get_data(as_text=True)
    assert 'name="var-BODY-2"' in fields
    assert "Hallo Erika, wir erinnern Sie an Ihren Termin am {{2}}." in fields
    client.post(
        f"/inbox/{conversation_id}/template",
        data={"template_id": chosen, "var-BODY-1": "Erika", "var-BODY-2": "Montag"},
    )
    message = outbound()
    assert (message.type, message.status) == ("template", "sent")
    assert message.text == "Hallo Erika, wir erinnern Sie an Ihren Termin am Montag."
    [sent] = sent_at_emulator(emulator)
    assert sent["body"]["template"]["components"] == [
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "Erika"},
                {"type": "text", "text": "Montag"},
            ],
        }
    ]


def test_a_template_with_empty_placeholders_is_refused(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    client.post(
        f"/inbox/{conversation_id}/template",
        data={"template_id": template_id("termin_erinnerung"), "var-BODY-1": "Erika"},
    )
    assert outbound() is None and sent_at_emulator(emulator) == []


def test_marketing_templates_respect_the_contacts_stop(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    change(Contact, marketing_preference="stop")
    client.post(
        f"/inbox/{conversation_id}/template",
        data={
            "template_id": template_id("angebot_nachfassen"),
            "var-BODY-1": "Erika",
        },
    )
    assert outbound() is None and sent_at_emulator(emulator) == []


def inbound() -> Message:
    return read(select(Message).where(Message.direction == "in"))[0]


def test_an_answer_can_quote_the_message_it_replies_to(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    original = inbound()
    client.post(
        f"/inbox/{conversation_id}/messages",
        data={"text": "Gern!", "reply_to": original.id},
    )
    [sent] = sent_at_emulator(emulator)
    assert sent["body"]["context"] == {"message_id": original.wamid}
    assert outbound().reply_to_wamid == original.wamid


def test_an_agent_reacts_to_a_message_with_an_emoji(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    original = inbound()
    client.post(f"/inbox/messages/{original.id}/react", data={"emoji": "👍"})
    [sent] = sent_at_emulator(emulator)
    assert sent["type"] == "reaction"
    assert sent["body"]["reaction"] == {"message_id": original.wamid, "emoji": "👍"}
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert 'class="reactions"' in page and "👍" in page
    [conversation] = read(select(Conversation))
    assert conversation.last_message_preview != ""  # a reaction is no new last message
    assert conversation.last_message_type == "text"


def attach(client, conversation_id: int, data: bytes, name: str, mime: str, text=""):
    return client.post(
        f"/inbox/{conversation_id}/messages",
        data={"text": text, "attachment": (io.BytesIO(data), name, mime)},
        content_type="multipart/form-data",
    )


def test_an_image_is_uploaded_and_sent_by_media_id(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    attach(client, conversation_id, PNG, "plan.png", "image/png", "Unser Plan")
    message = outbound()
    assert (message.type, message.status, message.caption) == (
        "image",
        "sent",
        "Unser Plan",
    )
    [sent] = sent_at_emulator(emulator)
    assert sent["body"]["image"] == {"id": message.media_id, "caption": "Unser Plan"}
    stored = emulator.graph("GET", message.media_id)  # Meta has our bytes
    assert stored.status_code == 200 and stored.json()["mime_type"] == "image/png"
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert f"/inbox/media/{message.id}" in page
    with client.get(f"/inbox/media/{message.id}") as copy:
        assert copy.data == PNG  # our own copy, for the thread


def test_a_document_keeps_its_file_name(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    attach(
        client, conversation_id, b"%PDF-1.4 Angebot", "Angebot.pdf", "application/pdf"
    )
    [sent] = sent_at_emulator(emulator)
    assert sent["type"] == "document"
    assert sent["body"]["document"]["filename"] == "Angebot.pdf"


@pytest.mark.parametrize(
    ("data", "name", "mime", "words"),
    [
        (PNG + b"0" * 2048, "big.png", "image/png", "zu groß"),
        (b"not really a jpeg", "fake.jpg", "image/jpeg", "passt nicht"),
    ],
    ids=["too-large", "wrong-content"],
)
def test_files_meta_would_refuse_are_refused_before_upload(
    client, emulator, channel_key, monkeypatch, data, name, mime, words
):
    # Meta's 5 MB image limit, scaled down so the test uploads 2 KB, not 5 MB.
    monkeypatch.setitem(
        attachments.SEND_LIMITS, "image", (1024, ("image/jpeg", "image/png"))
    )
    conversation_id = customer_writes(client, emulator, channel_key)
    response = attach(client, conversation_id, data, name, mime)
    assert words in client.get(response.headers["Location"]).get_data(as_text=True)
    assert outbound() is None and sent_at_emulator(emulator) == []


def test_a_failed_upload_is_retried_like_a_send(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    emulator.admin(
        "POST", "faults", json={"kind": "graph_error", "status": 503, "match": "/media"}
    )
    attach(client, conversation_id, PNG, "plan.png", "image/png")
    message = outbound()
    assert message.status == "queued" and message.media_id is None
    change(Message, Message.id == message.id, next_attempt_at=utcnow())
    assert run(deliver_message, message.id) == "sent"
    assert len(sent_at_emulator(emulator)) == 1


def inbound_read_at_emulator(emulator) -> list[bool]:
    return [m["read"] for m in emulator.admin("GET", "inbound")["data"]]


def test_opening_a_conversation_sends_a_read_receipt(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    assert inbound_read_at_emulator(emulator) == [False]
    client.get(f"/inbox/{conversation_id}")
    assert inbound_read_at_emulator(emulator) == [True]


def test_read_receipts_can_be_switched_off(client, emulator, channel_key):
    response = client.post(
        "/settings/workspace", data={"name": "Muster GmbH", "send_read_receipts": ""}
    )
    assert response.status_code == 302
    conversation_id = customer_writes(client, emulator, channel_key)
    client.get(f"/inbox/{conversation_id}")
    assert inbound_read_at_emulator(emulator) == [False]


def start_worker(app, database_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test",
        "WHATSAPP_GRAPH_URL": app.config["WHATSAPP_GRAPH_URL"],
        "WHATSAPP_TIMEOUT_SECONDS": "10",
    }
    return subprocess.Popen(
        [Path(sys.executable).parent / "leadgate", "worker", "--queue", "default"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs a real Redis and worker (CI)"
)
def test_a_worker_killed_during_the_call_never_causes_a_second_send(
    client, app, emulator, receiver, channel_key, database_url
):
    conversation_id = customer_writes(client, emulator, channel_key)
    # Meta answers slowly: the worker will be inside the HTTP call when it dies.
    emulator.admin(
        "POST",
        "faults",
        json={"kind": "graph_delay", "delay": 2.0, "match": "/messages"},
    )
    app.config["QUEUE_IS_ASYNC"] = True  # the job goes to Redis for the real worker
    send_text(client, conversation_id, "Ihr Angebot kommt heute.")
    worker = start_worker(app, database_url)
    try:
        wait_for(lambda: outbound().status == "sending")
        time.sleep(0.3)  # the request is out
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    app.config["QUEUE_IS_ASYNC"] = False
    # Meta accepted it after all; its status webhooks name our message.
    wait_for(lambda: len(sent_at_emulator(emulator)) == 1)
    relay(client, receiver, channel_key, 3)
    message = outbound()
    [sent] = sent_at_emulator(emulator)
    assert message.wamid == sent["id"] and message.status == "read"
    # A new worker finds nothing to send: the message is not queued any more.
    worker = start_worker(app, database_url)
    try:
        time.sleep(1.5)
    finally:
        worker.terminate()
        worker.wait(10)
    assert len(sent_at_emulator(emulator)) == 1
    assert read(select(Message.attempts).where(Message.direction == "out")) == [1]
