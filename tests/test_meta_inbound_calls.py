"""Calls (Calling API, issue 13): a call opens the 24-hour window like a message,
shows in the thread, and is stored once however often Meta delivers it."""

import time

import pytest
from sqlalchemy import select

from leadgate.models import (
    ChannelEvent,
    Contact,
    Conversation,
    Message,
    WebhookEvent,
    as_utc,
)
from leadgate.outbound.rules import window_closes_at

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
from .webhook_fixtures import load_payload, meta_bytes

DAY = 24 * 60 * 60


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


def relay(client, receiver, key: str, start: int, count: int) -> None:
    """Pass the emulator's webhooks start… on, exactly as they were signed."""
    for entry in receiver.wait_for(start + count)[start : start + count]:
        assert post(client, key, entry.body, secret=SECRET).status_code == 200


def send_text(client, conversation_id: int, text: str):
    return client.post(f"/inbox/{conversation_id}/messages", data={"text": text})


def test_free_text_after_a_call_is_accepted_here_and_at_meta(
    client, app, emulator, receiver, channel_key
):
    # The customer wrote two days ago: the window is closed, here and at Meta.
    emulator.inject(
        **{"from": CUSTOMER, "text": "Hallo?", "timestamp": int(time.time()) - 2 * DAY}
    )
    relay(client, receiver, channel_key, 0, 1)
    [conversation_id] = rows(app, select(Conversation.id))
    send_text(client, conversation_id, "Zu spät")
    assert rows(app, select(Message).where(Message.direction == "out")) == []
    # Now the customer calls (nobody answers): the window opens again.
    call = emulator.admin(
        "POST",
        "calls",
        json={"phone_number_id": PHONE_ID, "from": CUSTOMER, "outcome": "missed"},
    )
    relay(client, receiver, channel_key, 1, 2)  # connect, terminate
    response = send_text(client, conversation_id, "Sie hatten angerufen, wie helfen?")
    assert response.status_code == 303
    [sent] = rows(app, select(Message).where(Message.direction == "out"))
    assert sent.status == "sent" and sent.wamid
    at_meta = emulator.admin("GET", "messages")["data"]
    assert [m["id"] for m in at_meta] == [sent.wamid]
    [stored_call] = rows(app, select(Message).where(Message.type == "call"))
    assert stored_call.wamid == call["call_id"] and stored_call.direction == "in"
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "Anruf (verpasst)" in page


def test_a_call_from_a_new_number_opens_a_conversation_and_the_window(client, app):
    key = owner_with_payload_channel(app)
    deliver(client, key, "call_connect")
    [contact] = rows(app, select(Contact))
    assert (contact.wa_id, contact.profile_name) == ("4915112345678", "Jürgen Müller")
    [conversation] = rows(app, select(Conversation))
    assert conversation.unread_count == 1 and conversation.last_message_type == "call"
    with app.app_context():
        closes = window_closes_at(conversation.channel_id, contact.id)
    [call] = rows(app, select(Message))
    assert (closes - as_utc(call.sent_at)).total_seconds() == DAY  # the call opened it
    assert call.raw.get("session") is None  # the caller's SDP/addresses are not kept


@pytest.mark.parametrize(
    ("names", "shown"),
    [
        (["call_connect"], "Eingehender Anruf"),
        (["call_connect", "call_terminate"], "Anruf (angenommen), Dauer 2:05"),
        (["call_terminate", "call_connect"], "Anruf (angenommen), Dauer 2:05"),
        (["call_terminate_missed"], "Anruf (verpasst)"),
    ],
)
def test_the_thread_shows_the_call_with_its_outcome(client, auth, app, names, shown):
    key = owner_with_payload_channel(app)
    for name in names:
        deliver(client, key, name)
    [call] = rows(app, select(Message))
    auth.login(OWNER)
    page = client.get(f"/inbox/{call.conversation_id}").get_data(as_text=True)
    assert f"{shown} · <time>" in page  # a line of the timeline
    assert f'id="message-{call.id}"' in page
    assert 'data-reply-to="' + str(call.id) not in page  # no reply to a call


def test_each_call_is_stored_once_whatever_meta_repeats(client, app):
    key = owner_with_payload_channel(app)
    for name in ("call_connect", "call_connect", "call_terminate", "call_terminate"):
        deliver(client, key, name)
    deliver(client, key, "call_connect")  # a late repeat of the start
    [call] = rows(app, select(Message))
    assert call.details["call"]["outcome"] == "answered"
    assert call.details["call"]["duration"] == 125
    [conversation] = rows(app, select(Conversation))
    assert conversation.unread_count == 1  # one call, counted once
    assert count(app, WebhookEvent, WebhookEvent.state == "processed") == 5


def test_a_call_the_business_placed_does_not_open_the_window(client, auth, app):
    key = owner_with_payload_channel(app)
    deliver(client, key, "call_status_business")
    [call] = rows(app, select(Message))
    assert (call.direction, call.type) == ("out", "call")
    with app.app_context():
        assert window_closes_at(call.channel_id, call.contact_id) is None
    [conversation] = rows(app, select(Conversation))
    assert conversation.unread_count == 0
    auth.login(OWNER)
    page = client.get(f"/inbox/{call.conversation_id}").get_data(as_text=True)
    assert "Ausgehender Anruf · <time>" in page
    assert "noch nie geschrieben" in page  # the business's call opened nothing


def test_a_malformed_call_is_kept_raw_and_does_not_fail(client, app):
    key = owner_with_payload_channel(app)
    payload = load_payload("call_connect")
    item = first_item(payload, "calls")
    del item["from"]
    payload["entry"][0]["changes"][0]["value"].pop("contacts")
    deliver(client, key, payload)
    broken = load_payload("call_connect")
    broken["entry"][0]["changes"][0]["value"]["calls"] = "kaputt"
    assert post(client, key, meta_bytes(broken)).status_code == 200
    assert count(app, Message) == 0 and count(app, Contact) == 0
    assert rows(app, select(WebhookEvent.state)) == ["processed", "processed"]
    kept = rows(app, select(ChannelEvent).where(ChannelEvent.field == "rejected"))
    assert [event.value["field"] for event in kept] == ["calls", "calls"]


def test_the_emulators_phone_can_call_and_the_team_sees_a_missed_call(
    client, auth, app, emulator, receiver, channel_key
):
    """What `leadgate dev` offers: the customer's phone page has a call button."""
    response = emulator.http.post(
        "/phone/call", data={"number": PHONE_ID, "wa_id": CUSTOMER, "name": "Erika"}
    )
    assert response.status_code in (200, 302, 303)
    relay(client, receiver, channel_key, 0, 2)
    [call] = rows(app, select(Message))
    assert call.details["call"]["outcome"] == "missed"
    page = client.get(f"/inbox/{call.conversation_id}").get_data(as_text=True)
    assert "Anruf (verpasst) · <time>" in page
    phone = emulator.http.get("/phone").text
    assert "Anrufen" in phone
