"""Sending: the pipeline, Meta's errors, retries, unanswered sends, lost jobs, a killed worker.

Jobs run inline (QUEUE_IS_ASYNC is off in tests) unless a test starts a real worker;
status webhooks the emulator delivers to a receiver are relayed as they came.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from leadgate.extensions import db
from leadgate.models import (
    Channel,
    Conversation,
    Message,
    SendAttempt,
    utcnow,
)
from leadgate.models.message_state import RANK
from leadgate.outbound.delivery import let_go
from leadgate.outbound.reasons import UNCONFIRMED
from leadgate.outbound.recovery import sweep_outbound
from leadgate.outbound.settle import MAX_ATTEMPTS

from ..emulator_support import (
    CUSTOMER,
)
from ..webhook_fixtures import meta_bytes
from .helpers import (
    arm,
    change,
    customer_writes,
    deliver,
    outbound,
    post_webhook,
    read,
    relay,
    run,
    send_text,
    sent_at_emulator,
)


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


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "graph_error", "status": 400, "code": 131056},
        {"kind": "graph_error", "status": 400, "code": 131000},
        {"kind": "graph_error", "status": 400, "code": 131016},
        {"kind": "graph_error", "status": 400, "code": 4},
        {"kind": "graph_error", "status": 400, "code": 80007},
        {"kind": "graph_error", "status": 400, "code": 1},
        {"kind": "graph_error", "status": 500, "code": 2},
        {"kind": "graph_error", "status": 503},
    ],
    ids=[
        "pair-rate",
        "something-went-wrong",
        "service-unavailable",
        "app-rate-limit",
        "waba-rate-limit",
        "unknown-api-error",
        "api-service",
        "http-503",
    ],
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
    assert deliver() == {"sent": 1}
    assert deliver() == {}  # a duplicate job sends nothing
    outcomes = read(select(SendAttempt.outcome).order_by(SendAttempt.number))
    assert outcomes == ["retry", "accepted"]
    assert len(sent_at_emulator(emulator)) == 1


def test_retries_are_bounded_and_then_fail_with_the_reason(
    client, emulator, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    arm(emulator, kind="graph_error", status=400, code=131000, count=MAX_ATTEMPTS)
    send_text(client, conversation_id)
    for _ in range(MAX_ATTEMPTS - 1):  # each backoff over at once
        change(Message, next_attempt_at=utcnow() - timedelta(seconds=1))
        deliver()
    message = outbound()
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
    assert sent_at_emulator(emulator) == []
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "Erneut senden" in page


def test_a_request_that_never_left_is_retried_and_sent_once(
    client, app, emulator, channel_key
):
    """Connection refused: nothing reached Meta, so another try is safe."""
    conversation_id = customer_writes(client, emulator, channel_key)
    graph_url = app.config["WHATSAPP_GRAPH_URL"]
    app.config["WHATSAPP_GRAPH_URL"] = "http://127.0.0.1:9/v25.0"  # nobody listens
    send_text(client, conversation_id)
    app.config["WHATSAPP_GRAPH_URL"] = graph_url
    message = outbound()
    assert message.status == "queued" and message.next_attempt_at is not None
    change(Message, next_attempt_at=utcnow() - timedelta(seconds=1))
    assert deliver() == {"sent": 1}
    outcomes = read(select(SendAttempt.outcome).order_by(SendAttempt.number))
    assert outcomes == ["retry", "accepted"]
    assert len(sent_at_emulator(emulator)) == 1


def test_a_retry_is_not_sent_before_its_time(client, emulator, channel_key):
    """(Meta's pace errors, 130429 and 131057, are no retries: test_throughput.py.)"""
    conversation_id = customer_writes(client, emulator, channel_key)
    arm(emulator, kind="graph_error", status=400, code=131000)
    send_text(client, conversation_id)
    assert deliver() == {}
    assert sent_at_emulator(emulator) == []


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (131047, "Mehr als 24 Stunden"),
        (131026, "Nicht zustellbar"),
        (131050, "Marketing-Nachrichten"),
        (131062, "ohne Telefonnummer"),
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
    app, client, emulator, receiver, channel_key
):
    """Meta accepted it but the answer never came: no second send, the status tells."""
    conversation_id = customer_writes(client, emulator, channel_key)
    app.config["WHATSAPP_TIMEOUT_SECONDS"] = 0.5
    arm(emulator, kind="graph_delay", delay=2.0)
    send_text(client, conversation_id)
    message = outbound()
    assert message.status == "sending" and message.wamid is None
    assert deliver() == {}  # no second try on its own
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


def test_a_claim_a_dead_worker_never_let_go_is_sent_again_and_only_once(
    client, app, emulator, channel_key
):
    """The worker claimed the message (an attempt, `sending`) and died before the
    request left: no record of letting it go, so the sweeper gives it back."""
    conversation_id = customer_writes(client, emulator, channel_key)
    app.config["QUEUE_IS_ASYNC"] = True  # the job goes to a queue no worker serves
    send_text(client, conversation_id)
    app.config["QUEUE_IS_ASYNC"] = False
    [message_id] = read(select(Message.id).where(Message.direction == "out"))
    with app.app_context():
        db.session.add(
            SendAttempt(
                message_id=message_id,
                number=1,
                started_at=utcnow() - timedelta(minutes=2),
            )
        )
        db.session.execute(
            update(Message)
            .where(Message.id == message_id)
            .values(status="sending", status_rank=RANK["sending"], attempts=1,
                    sending_since=utcnow() - timedelta(minutes=2))
        )  # fmt: skip
        db.session.commit()
    [stale] = read(select(SendAttempt.id))
    assert run(sweep_outbound)["given_back"] == 1  # queued again, and sent (inline)
    assert outbound().status == "sent" and len(sent_at_emulator(emulator)) == 1
    attempts = read(select(SendAttempt).order_by(SendAttempt.id))
    assert [(a.outcome, a.requested_at is not None) for a in attempts] == [
        ("not_sent", False),
        ("accepted", True),
    ]
    assert outbound().attempts == 1  # the claim that never left does not count
    # The dead worker, had it only stalled, may not let its old claim go now.
    assert run(let_go, [stale]) == set()


def test_messages_of_a_conversation_go_out_in_order(client, app, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    app.config["QUEUE_IS_ASYNC"] = True
    send_text(client, conversation_id, "erste")
    send_text(client, conversation_id, "zweite")
    app.config["QUEUE_IS_ASYNC"] = False
    first, second = read(
        select(Message.id).where(Message.direction == "out").order_by(Message.id)
    )
    change(Message, Message.id == first, status="sending")  # on its way
    assert deliver() == {}  # the second waits for it
    change(Message, Message.id == first, status="queued")
    assert deliver() == {"sent": 2}
    assert [m.status for m in read(select(Message).where(Message.id == second))] == [
        "sent"
    ]
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
    assert deliver() == {"sent": 1}
    message = outbound()
    assert message.status == "sent" and message.wamid != first_wamid
    attempts = read(select(SendAttempt).order_by(SendAttempt.number))
    assert [(a.outcome, a.wamid) for a in attempts] == [
        ("failed", first_wamid),
        ("accepted", message.wamid),
    ]
