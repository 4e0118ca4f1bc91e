"""Groups (issue 13): group messages, statuses and group_* webhooks are channel
events; a group id (or a group's member) never becomes a contact or a thread."""

import pytest
from sqlalchemy import select

from leadgate.models import (
    ChannelEvent,
    Contact,
    Conversation,
    Message,
    MessageStatus,
)

from .emulator_support import (
    PHONE_ID,
    SECRET,
    TOKEN,
    WABA_ID,
    EmulatorHarness,
    WebhookReceiver,
    emulator_config,
)
from .inbound_support import count, deliver, first_item, post, rows
from .inbox_support import owner_with_payload_channel
from .support import owner_with_channel
from .webhook_fixtures import load_payload

GROUP_ID = "Y2FwaV9ncm91cDoxNTU1MDc4Mzg4MToxMjAzNjM0MDQ2OTQyMzM4MjAZD"


def assert_no_thread(app) -> None:
    for model in (Contact, Conversation, Message, MessageStatus):
        assert count(app, model) == 0, model.__name__


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("group_message", "group_messages"),
        ("group_status", "group_statuses"),
        ("group_lifecycle_update", "group_lifecycle_update"),
        ("group_participants_update", "group_participants_update"),
    ],
)
def test_group_webhooks_are_channel_events_and_create_no_contact(
    client, app, name, field
):
    key = owner_with_payload_channel(app)
    deliver(client, key, name)
    deliver(client, key, name)  # and again: still nothing in the inbox
    assert_no_thread(app)
    events = rows(app, select(ChannelEvent))
    assert [event.field for event in events] == [field, field]
    assert GROUP_ID in str(events[0].value)


def test_a_group_message_beside_a_personal_one_only_keeps_the_personal_one(client, app):
    key = owner_with_payload_channel(app)
    payload = load_payload("text")
    group = first_item(load_payload("group_message"), "messages")
    payload["entry"][0]["changes"][0]["value"]["messages"].append(group)
    deliver(client, key, payload)
    [message] = rows(app, select(Message))
    assert message.text.startswith("Grüße aus Köln")
    [contact] = rows(app, select(Contact))
    assert contact.wa_id == "4915112345678"  # not the group's member
    [event] = rows(app, select(ChannelEvent))
    assert event.field == "group_messages" and event.value["group_id"] == GROUP_ID
    # Nothing a group member wrote, nor their number, is kept in the channel log.
    assert event.value["item"] == {
        "group_id": GROUP_ID,
        "id": group["id"],
        "timestamp": "1777381700",
        "type": "text",
    }


@pytest.fixture
def receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def emulator(app, receiver):
    harness = EmulatorHarness(emulator_config(receiver.url))
    yield harness
    harness.stop()


def test_the_emulators_group_webhooks_reach_no_inbox(
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
    kinds = ("message", "status", "lifecycle", "participants")
    for kind in kinds:
        emulator.admin(
            "POST", "groups", json={"phone_number_id": PHONE_ID, "kind": kind}
        )
    for entry in receiver.wait_for(len(kinds)):
        assert post(client, key, entry.body, secret=SECRET).status_code == 200
    assert_no_thread(app)
    assert sorted(rows(app, select(ChannelEvent.field))) == [
        "group_lifecycle_update",
        "group_messages",
        "group_participants_update",
        "group_statuses",
    ]
