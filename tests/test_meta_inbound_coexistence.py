"""Coexistence (issue 13): what the team types in the WhatsApp Business app shows in
the thread as sent from the phone; synced history is stored without being news."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from leadgate import live
from leadgate.extensions import db
from leadgate.models import (
    ChannelEvent,
    ConsentRecord,
    Contact,
    Conversation,
    Message,
    as_utc,
)

from .emulator_support import (
    CUSTOMER,
    PHONE_ID,
    SECRET,
    TOKEN,
    WABA_ID,
    EmulatorHarness,
    WebhookReceiver,
    emulator_config,
)
from .inbound_support import count, deliver, first_item, post, rows
from .inbox_support import OWNER, owner_with_payload_channel
from .support import owner_with_channel
from .webhook_fixtures import load_payload

ECHO_TEXT = "Gern! Der Tisch ist ab Montag lieferbar."


def echo_wamid() -> str:
    return first_item(load_payload("smb_message_echo"), "message_echoes")["id"]


def status_for(wamid: str, name: str) -> dict:
    payload = load_payload(name)
    first_item(payload, "statuses")["id"] = wamid
    return payload


def conversation_of(app, wa_id: str) -> Conversation:
    [conversation] = rows(
        app, select(Conversation).join(Contact).where(Contact.wa_id == wa_id)
    )
    return conversation


# --- echoes ----------------------------------------------------------------------


def test_an_echo_is_an_outbound_message_sent_from_the_phone(client, auth, app):
    key = owner_with_payload_channel(app)
    deliver(client, key, "text")
    deliver(client, key, "smb_message_echo")
    deliver(client, key, "smb_message_echo")  # Meta repeats: still one message
    [text, echo] = rows(app, select(Message).order_by(Message.sent_at))
    assert (echo.direction, echo.status, echo.author_id) == ("out", "sent", None)
    assert echo.wamid == echo_wamid() and echo.text == ECHO_TEXT
    [conversation] = rows(app, select(Conversation))
    assert conversation.unread_count == 1  # the customer's text, not our echo
    assert conversation.last_message_preview == ECHO_TEXT
    auth.login(OWNER)
    page = client.get(f"/inbox/{conversation.id}").get_data(as_text=True)
    bubble = page[page.index(f'id="message-{echo.id}"') :]
    bubble = bubble[: bubble.index("</article>")]
    assert "message-out" in page and "vom Handy gesendet" in bubble
    assert ECHO_TEXT in bubble


@pytest.mark.parametrize("status_first", [False, True], ids=["after", "before"])
def test_statuses_of_an_echo_attach_to_it(client, app, status_first):
    key = owner_with_payload_channel(app)
    if status_first:
        deliver(client, key, status_for(echo_wamid(), "status_delivered"))
    deliver(client, key, "smb_message_echo")
    deliver(client, key, status_for(echo_wamid(), "status_read"))
    [echo] = rows(app, select(Message))
    assert echo.status == "read"
    assert count(app, Message) == 1


def test_an_edit_in_the_app_changes_the_echo(client, app):
    key = owner_with_payload_channel(app)
    deliver(client, key, "smb_message_echo")
    deliver(client, key, "smb_message_echo_edit")
    [echo] = rows(app, select(Message).where(Message.type == "text"))
    assert echo.text == "Gern! Der Tisch ist ab Dienstag lieferbar."
    assert echo.details["edit_history"][0]["text"] == ECHO_TEXT


def test_an_echo_never_counts_as_the_contact_writing(client, app):
    key = owner_with_payload_channel(app)
    deliver(client, key, "smb_message_echo")
    [contact] = rows(app, select(Contact))
    assert contact.last_inbound_at is None
    assert count(app, ConsentRecord) == 0  # no first-contact consent from our own text


@pytest.fixture
def receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def emulator(app, receiver):
    harness = EmulatorHarness(emulator_config(receiver.url))
    app.config["WHATSAPP_GRAPH_URL"] = f"{harness.url}/v25.0"
    yield harness
    harness.stop()


def test_the_emulator_echoes_an_app_message_and_its_status(
    client, auth, app, emulator, receiver
):
    key = owner_with_channel(
        app,
        auth,
        phone_number_id=PHONE_ID,
        waba_id=WABA_ID,
        access_token=TOKEN,
        app_secret=SECRET,
    )
    echo = emulator.admin(
        "POST",
        "echoes",
        json={"phone_number_id": PHONE_ID, "to": CUSTOMER, "text": "Bin unterwegs"},
    )
    emulator.admin(
        "POST", "statuses", json={"message_id": echo["message_id"], "status": "read"}
    )
    for entry in receiver.wait_for(2):  # the echo, then its status, as signed
        assert post(client, key, entry.body, secret=SECRET).status_code == 200
    [message] = rows(app, select(Message))
    assert (message.text, message.direction) == ("Bin unterwegs", "out")
    assert message.wamid == echo["message_id"] and message.status == "read"


# --- history ---------------------------------------------------------------------


def test_history_is_stored_in_each_contacts_conversation_without_news(
    client, auth, app
):
    key = owner_with_payload_channel(app)
    deliver(client, key, "history")
    first = conversation_of(app, "4915112345678")
    second = conversation_of(app, "4917612345678")
    texts = rows(
        app,
        select(Message)
        .where(Message.conversation_id == first.id)
        .order_by(Message.sent_at),
    )
    assert [(t.direction, t.status) for t in texts] == [
        ("in", "received"),
        ("out", "read"),
        ("in", "received"),
        ("in", "received"),
    ]
    assert count(app, Message, Message.conversation_id == second.id) == 2
    for conversation in (first, second):
        assert conversation.unread_count == 0 and conversation.inbound_count == 0
        assert conversation.state == "resolved"  # past chats: not in the open inbox
    # Sorted by when it happened, not by when it was synced.
    assert as_utc(first.last_activity_at) == datetime.fromtimestamp(1769001300, UTC)
    assert first.last_message_preview == "STOP"
    # An old "STOP" is no opt-out now, and nobody answers it; no consent from history.
    contact = rows(app, select(Contact).where(Contact.wa_id == "4915112345678"))[0]
    assert contact.opted_out_at is None
    assert count(app, ConsentRecord) == 0
    assert count(app, Message, Message.direction == "out") == 2  # both from history
    auth.login(OWNER)
    page = client.get(f"/inbox/{first.id}").get_data(as_text=True)
    assert "vom Handy gesendet" in page and "Kommen Sie gern vorbei" in page
    open_list = client.get("/inbox").get_data(as_text=True)
    assert "Guten Tag, ist das Sofa" not in open_list and "STOP" not in open_list


def test_history_is_idempotent(client, app):
    key = owner_with_payload_channel(app)
    deliver(client, key, "history")
    deliver(client, key, "history")
    assert count(app, Message) == 6 and count(app, Conversation) == 2
    assert count(app, Contact) == 2


def test_history_of_a_live_conversation_neither_bumps_nor_reopens_it(client, app):
    key = owner_with_payload_channel(app)
    deliver(client, key, "text")
    [before] = rows(app, select(Conversation))
    with app.app_context():
        db.session.get(Conversation, before.id).state = "resolved"
        db.session.commit()
    deliver(client, key, "history")
    after = conversation_of(app, "4915112345678")
    assert after.id == before.id and after.state == "resolved"
    assert after.unread_count == before.unread_count == 1
    assert after.last_activity_at == before.last_activity_at
    assert after.last_message_preview == before.last_message_preview


def test_history_sends_no_live_event(client, app, monkeypatch):
    """Live events go to every open inbox; a sync of months must not fire them.

    The publisher is watched directly: the SSE channel is shared by everything
    on the Redis server, so a stream would also hear other test runs.
    """
    key = owner_with_payload_channel(app)
    published: list[set[str]] = []
    real = live.publish
    monkeypatch.setattr(
        live,
        "publish",
        lambda w, events: published.append(set(events)) or real(w, events),
    )
    deliver(client, key, "history")
    assert published == []
    now = load_payload("text")  # a customer writes now: that is news
    deliver(client, key, now)
    conversation = conversation_of(app, "4915112345678")
    assert published == [{"list", f"conversation-{conversation.id}"}]


def test_history_media_arrives_later_for_the_same_message(client, app):
    key = owner_with_payload_channel(app)
    deliver(client, key, "history")
    [image] = rows(app, select(Message).where(Message.type == "image"))
    assert image.media_id is None and image.media_state == "failed"
    deliver(client, key, "history_media")
    [image] = rows(app, select(Message).where(Message.type == "image"))
    assert image.media_id == "1452687739114561"
    assert image.media_state in ("pending", "retrying", "failed")  # Meta is offline
    assert image.caption == "So sieht mein Wohnzimmer aus"
    assert count(app, Message) == 6


def test_declined_history_is_noted_for_the_channel(client, app):
    key = owner_with_payload_channel(app)
    deliver(client, key, "history_declined")
    assert count(app, Message) == 0
    [event] = rows(app, select(ChannelEvent))
    assert event.field == "history" and event.value["errors"][0]["code"] == 2593109
    assert event.value["messages"] == 0


def test_the_emulators_history_sync_lands_in_the_thread(
    client, auth, app, emulator, receiver
):
    key = owner_with_channel(
        app,
        auth,
        phone_number_id=PHONE_ID,
        waba_id=WABA_ID,
        access_token=TOKEN,
        app_secret=SECRET,
    )
    emulator.admin("POST", "history", json={"phone_number_id": PHONE_ID})
    [entry] = receiver.wait_for(1)
    assert post(client, key, entry.body, secret=SECRET).status_code == 200
    messages = rows(app, select(Message).order_by(Message.sent_at))
    assert [m.direction for m in messages] == ["in", "out", "in"]
    assert {m.details["origin"] for m in messages} == {"history"}
    [conversation] = rows(app, select(Conversation))
    assert conversation.state == "resolved" and conversation.unread_count == 0
