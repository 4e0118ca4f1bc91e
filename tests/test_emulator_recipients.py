"""The emulator's simulated recipients: phones off, messages unread, answers.

Over real HTTP like test_emulator.py; every decision is a function of the wamid.
"""

import pytest

from leadgate.whatsapp.emulator import create_emulator_app
from leadgate.whatsapp.emulator.recipients import fate_of
from leadgate.whatsapp.emulator.settings import Settings

from .emulator_support import (
    PHONE_ID,
    EmulatorHarness,
    WebhookReceiver,
    value_of,
)

BUSINESS_DISPLAY = "49301234567"  # emulator_config's "+49 30 1234567" as digits
BSUID = "DE.4711000000000000001"


def recipients(count: int) -> list[str]:
    # One send per recipient: the pair rate (131056) limits sends to one person.
    return [f"49151{index:07d}" for index in range(count)]


def campaign(emulator: EmulatorHarness, to: list[str]) -> list[str]:
    """Send the utility template to each recipient; return the wamids."""
    wamids = []
    for number in to:
        answer = emulator.send_template(to=number)
        assert answer.status_code == 200, answer.text
        wamids.append(answer.json()["messages"][0]["id"])
    emulator.wait_idle()
    return wamids


def ids_with(receiver: WebhookReceiver, status: str) -> list[str]:
    return [s["id"] for s in receiver.statuses() if s["status"] == status]


def replies(receiver: WebhookReceiver) -> list[dict]:
    """Inbound messages[] items with the index of the webhook that carried them."""
    return [
        {**item, "at": index, "contact": value_of(body)["contacts"][0]}
        for index, body in enumerate(receiver.bodies())
        for item in value_of(body).get("messages", [])
    ]


def test_the_defaults_keep_every_message_delivered_read_and_unanswered(
    make_emulator, receiver
):
    emulator = make_emulator()
    settings = emulator.admin("GET", "settings")
    assert (settings["DELIVERED_SHARE"], settings["READ_SHARE"]) == (1.0, 1.0)
    assert (settings["REPLY_SHARE"], settings["REPLY_DELAY"]) == (0.0, 2.0)
    assert "STOP" not in {text.upper() for text in settings["REPLY_TEXTS"]}
    wamids = campaign(emulator, recipients(3))
    for status in ("sent", "delivered", "read"):
        assert ids_with(receiver, status) == wamids
    assert replies(receiver) == []


def test_half_of_the_phones_are_reached_reproducibly_per_wamid(make_emulator, receiver):
    emulator = make_emulator(THROUGHPUT_MPS=1000, DELIVERED_SHARE=0.5)
    wamids = campaign(emulator, recipients(200))
    delivered = set(ids_with(receiver, "delivered"))
    assert sorted(ids_with(receiver, "sent")) == sorted(wamids)
    # Binomial(200, 0.5): 70..130 is more than 4 standard deviations wide.
    assert 70 <= len(delivered) <= 130
    # Undelivered ones stay at sent; a phone that got nothing reads nothing.
    assert set(ids_with(receiver, "read")) == delivered
    expected = {
        w for w in wamids if fate_of(Settings(delivered_share=0.5), w).delivered
    }
    assert delivered == expected


@pytest.mark.parametrize(
    "nobody_reads", [{"READ_SHARE": 0}, {"STATUS_DELAYS": {"read": None}}]
)
def test_unread_messages_are_never_answered(make_emulator, receiver, nobody_reads):
    emulator = make_emulator(REPLY_SHARE=1, REPLY_DELAY=0, **nobody_reads)
    wamids = campaign(emulator, recipients(10))
    assert ids_with(receiver, "delivered") == wamids
    assert ids_with(receiver, "read") == [] and replies(receiver) == []


def test_every_read_message_is_answered_quoting_it(make_emulator, receiver):
    emulator = make_emulator(REPLY_SHARE=1, REPLY_DELAY=0.05)
    to = recipients(5)
    wamids = campaign(emulator, to)
    answers = replies(receiver)
    assert [(a["from"], a["context"]) for a in answers] == [
        (number, {"from": BUSINESS_DISPLAY, "id": wamid})
        for number, wamid in zip(to, wamids, strict=True)
    ]
    texts = emulator.admin("GET", "settings")["REPLY_TEXTS"]
    read_at = {
        status["id"]: index
        for index, body in enumerate(receiver.bodies())
        for status in value_of(body).get("statuses", [])
        if status["status"] == "read"
    }
    for answer in answers:
        assert answer["type"] == "text" and answer["text"]["body"] in texts
        assert answer["contact"]["wa_id"] == answer["from"]
        assert answer["at"] > read_at[answer["context"]["id"]]
    assert all(entry.signed_with() for entry in receiver.received)
    # The answer renewed the 24-hour window: free-form text is allowed now.
    assert emulator.send_text(to=to[0]).status_code == 200


def test_reply_texts_and_shares_change_through_the_admin_api(make_emulator, receiver):
    emulator = make_emulator()
    changes = {"REPLY_SHARE": 1, "REPLY_DELAY": 0, "REPLY_TEXTS": ["STOP"]}
    settings = emulator.admin("PATCH", "settings", json=changes)
    assert settings["REPLY_SHARE"] == 1.0 and settings["REPLY_TEXTS"] == ["STOP"]
    campaign(emulator, recipients(1))
    [answer] = replies(receiver)
    assert answer["text"] == {"body": "STOP"}


def test_a_business_scoped_recipient_answers_with_its_user_id(make_emulator, receiver):
    emulator = make_emulator(REPLY_SHARE=1, REPLY_DELAY=0)
    answer = emulator.send_template(to=None, recipient=BSUID)
    wamid = answer.json()["messages"][0]["id"]
    emulator.wait_idle()
    [reply] = replies(receiver)
    assert reply["from_user_id"] == BSUID and "from" not in reply
    assert reply["context"]["id"] == wamid


def test_a_chat_played_on_the_kundenhandy_is_left_to_the_person(
    make_emulator, receiver
):
    emulator = make_emulator(DELIVERED_SHARE=0, REPLY_SHARE=1, REPLY_DELAY=0)
    played, simulated = recipients(2)
    page = emulator.http.get("/phone", params={"number": PHONE_ID, "wa_id": played})
    assert page.status_code == 200
    by_person, by_simulation = campaign(emulator, [played, simulated])
    assert ids_with(receiver, "delivered") == ids_with(receiver, "read") == [by_person]
    assert by_simulation in ids_with(receiver, "sent")
    assert replies(receiver) == []  # only the person answers there


@pytest.mark.parametrize(
    "changes",
    [
        {"DELIVERED_SHARE": 1.5},
        {"READ_SHARE": -0.1},
        {"REPLY_SHARE": "NaN"},
        {"MARKETING_LIMIT_SHARE": 2},
        {"REPLY_SHARE": "viel"},
        {"REPLY_DELAY": -1},
        {"REPLY_TEXTS": []},
        {"REPLY_TEXTS": "Ja"},
        # Nothing is half applied: the valid READ_SHARE is not kept either.
        {"READ_SHARE": 0.5, "REPLY_SHARE": 2},
    ],
)
def test_a_bad_value_is_400_and_changes_nothing(make_emulator, changes):
    emulator = make_emulator()
    before = emulator.admin("GET", "settings")
    answer = emulator.http.patch("/_admin/settings", json=changes)
    assert answer.status_code == 400 and answer.json()["error"]
    assert emulator.admin("GET", "settings") == before


def test_a_bad_share_in_the_config_stops_the_start():
    with pytest.raises(ValueError, match="DELIVERED_SHARE"):
        create_emulator_app({"DELIVERED_SHARE": 2})
