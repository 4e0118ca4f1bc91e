"""Parsing the webhook fields of 2025–26 (whatsapp/payloads/): calls,
coexistence echoes and history, groups, and JSON of bounded depth."""

import json
from datetime import UTC, datetime

import pytest

from leadgate.whatsapp.payloads.batch import PayloadError, parse_body, parse_webhook
from leadgate.whatsapp.payloads.depth import MAX_DEPTH, JsonTooDeep, load_json

from .webhook_fixtures import load_payload, payload_bytes

NEWER = [
    "call_connect",
    "call_terminate",
    "call_terminate_missed",
    "call_status_business",
    "smb_message_echo",
    "smb_message_echo_edit",
    "history",
    "history_media",
    "history_declined",
    "group_message",
    "group_status",
    "group_lifecycle_update",
    "group_participants_update",
    "edit_caption",
]
CUSTOMER, BSUID = "4915112345678", "DE.1349120865530274191"


def value_of(payload: dict) -> dict:
    return payload["entry"][0]["changes"][0]["value"]


@pytest.mark.parametrize("name", NEWER)
def test_every_new_fixture_parses_without_rejections(name):
    batch = parse_body(payload_bytes(name))
    assert len(batch) >= 1 and batch.rejected == []


@pytest.mark.parametrize(
    ("depth", "accepted"), [(1, True), (MAX_DEPTH, True), (MAX_DEPTH + 1, False)]
)
def test_json_depth_is_bounded(depth, accepted):
    body = "[" * depth + "]" * depth
    if accepted:
        assert load_json(body) is not None
    else:
        with pytest.raises(JsonTooDeep):
            load_json(body)


@pytest.mark.parametrize("body", [b"[" * 5000 + b"]" * 5000, b'{"a":' * 3000 + b"1"])
def test_json_too_deep_for_python_is_a_value_error_not_a_recursion_error(body):
    with pytest.raises(ValueError):
        load_json(body)


def test_brackets_inside_strings_do_not_count_as_depth():
    text = json.dumps({"text": "[" * 500 + "{" * 500})
    assert load_json(text)["text"].startswith("[[[")


def test_parse_body_refuses_what_is_not_a_webhook():
    with pytest.raises(PayloadError):
        parse_body(b'{"object": "page", "entry": []}')
    with pytest.raises(ValueError):
        parse_body(b"[" * 2000)


# --- calls ---------------------------------------------------------------------


def test_a_call_from_the_contact():
    [call] = parse_body(payload_bytes("call_connect")).calls
    assert call.event == "connect" and call.user_initiated
    assert call.contact.wa_id == CUSTOMER and call.contact.bsuid == BSUID
    assert call.contact.name == "Jürgen Müller"
    assert call.timestamp == datetime.fromtimestamp(1777381200, UTC)
    assert call.duration is None and call.call_id.startswith("wacid.")


def test_the_end_of_an_answered_call():
    [call] = parse_body(payload_bytes("call_terminate")).calls
    assert (call.event, call.status, call.duration) == ("terminate", "COMPLETED", 125)
    assert call.started_at == datetime.fromtimestamp(1777381205, UTC)
    assert call.ended_at == datetime.fromtimestamp(1777381330, UTC)


def test_a_status_of_a_call_the_business_placed():
    [call] = parse_body(payload_bytes("call_status_business")).calls
    assert (call.event, call.status, call.user_initiated) == (
        "status",
        "RINGING",
        False,
    )
    assert call.contact.wa_id == CUSTOMER


def test_call_direction_without_the_field_follows_the_caller():
    payload = load_payload("call_connect")
    item = value_of(payload)["calls"][0]
    del item["direction"]
    item["from"], item["to"] = item["to"], item["from"]  # the business calls
    [call] = parse_webhook(payload).calls
    assert not call.user_initiated and call.contact.wa_id == CUSTOMER


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda item: item.pop("id"), "missing id"),
        (lambda item: item.pop("event"), "missing event"),
        (lambda item: item.update(timestamp="gestern"), "timestamp"),
    ],
)
def test_a_malformed_call_is_rejected_and_kept(change, reason):
    payload = load_payload("call_terminate")
    change(value_of(payload)["calls"][0])
    batch = parse_webhook(payload)
    assert batch.calls == []
    [rejected] = batch.rejected
    assert reason in rejected.reason and rejected.field == "calls"


def test_malformed_call_details_do_not_lose_the_call():
    payload = load_payload("call_terminate")
    value_of(payload)["calls"][0].update(
        start_time="bald", end_time=None, duration="-3"
    )
    [call] = parse_webhook(payload).calls
    assert (call.started_at, call.ended_at, call.duration) == (None, None, None)


def test_calls_that_are_not_a_list_are_rejected():
    payload = load_payload("call_connect")
    value_of(payload)["calls"] = {"id": "wacid.x"}
    batch = parse_webhook(payload)
    assert batch.calls == [] and len(batch.rejected) == 1


# --- coexistence ---------------------------------------------------------------


def test_an_echo_names_the_customer_as_its_contact():
    [echo] = parse_body(payload_bytes("smb_message_echo")).coexistence
    assert (echo.origin, echo.outbound) == ("echo", True)
    assert echo.message.sender.wa_id == CUSTOMER
    assert echo.message.sender.bsuid == BSUID
    assert echo.message.text == "Gern! Der Tisch ist ab Montag lieferbar."
    assert echo.message.raw["from"] == "15550783881"  # kept as Meta sent it


def test_an_echo_without_a_recipient_is_rejected():
    payload = load_payload("smb_message_echo")
    item = value_of(payload)["message_echoes"][0]
    del item["to"], item["to_user_id"]
    batch = parse_webhook(payload)
    assert batch.coexistence == [] and "no to" in batch.rejected[0].reason


def test_history_keeps_threads_directions_and_statuses():
    batch = parse_body(payload_bytes("history"))
    messages = batch.coexistence
    assert [(m.message.sender.wa_id, m.outbound, m.status) for m in messages] == [
        (CUSTOMER, False, "read"),
        (CUSTOMER, True, "read"),
        (CUSTOMER, False, "read"),
        (CUSTOMER, False, "read"),
        ("4917612345678", False, "read"),
        ("4917612345678", True, "delivered"),
    ]
    assert {m.origin for m in messages} == {"history"}
    assert messages[2].message.media is None  # synced before its file
    [summary] = batch.account_events
    assert summary.value == {
        "metadata": {"phase": 1, "chunk_order": 1, "progress": 40},
        "threads": 2,
        "messages": 6,
    }  # counts only: no message content in the channel's log


def test_declined_history_keeps_the_error():
    batch = parse_body(payload_bytes("history_declined"))
    assert batch.coexistence == []
    [summary] = batch.account_events
    assert summary.value["errors"][0]["code"] == 2593109


@pytest.mark.parametrize("history", [{"threads": []}, "kaputt", None])
def test_history_that_is_not_a_list_is_rejected(history):
    payload = load_payload("history")
    value_of(payload)["history"] = history
    batch = parse_webhook(payload)
    assert batch.coexistence == [] and len(batch.rejected) == 1


def test_a_malformed_history_message_is_rejected_and_its_siblings_kept():
    payload = load_payload("history")
    messages = value_of(payload)["history"][0]["threads"][0]["messages"]
    messages[0] = "kaputt"
    del messages[1]["timestamp"]
    batch = parse_webhook(payload)
    assert len(batch.coexistence) == 4 and len(batch.rejected) == 2


# --- groups ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "field"),
    [("group_message", "group_messages"), ("group_status", "group_statuses")],
)
def test_group_items_leave_messages_and_statuses(name, field):
    batch = parse_body(payload_bytes(name))
    assert batch.messages == [] and batch.statuses == []
    [group] = batch.groups
    assert group.field == field
    assert group.group_id == "Y2FwaV9ncm91cDoxNTU1MDc4Mzg4MToxMjAzNjM0MDQ2OTQyMzM4MjAZD"


def test_a_group_echo_is_no_app_message():
    payload = load_payload("smb_message_echo")
    value_of(payload)["message_echoes"][0]["group_id"] = "Z3JvdXA"
    batch = parse_webhook(payload)
    assert batch.coexistence == [] and batch.groups[0].field == "group_echoes"
