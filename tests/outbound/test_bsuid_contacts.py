"""Customers known only by a BSUID (a WhatsApp username, no phone number).

Meta's send request takes a BSUID in `recipient` (`to` is for phone numbers and
would win if both were given); authentication templates need a phone number.
"""

import pytest
from sqlalchemy import select

from leadgate.extensions import db
from leadgate.models import Contact, Conversation, MessageTemplate, User
from leadgate.outbound.rules import SendRefused
from leadgate.outbound.service import queue_template

from ..emulator_support import WABA_ID, meta_error
from .helpers import (
    close_window,
    customer_writes,
    outbound,
    read,
    relay,
    send_text,
    sent_at_emulator,
    sync,
)
from .meta_changes import BSUID, bsuid_customer_writes, send_template

ONE_TIME_CODE = {
    "waba_id": WABA_ID,
    "name": "einmalcode",
    "language": "de",
    "category": "AUTHENTICATION",
    "components": [{"type": "BODY", "text": "{{1}} ist Ihr Bestätigungscode."}],
}


def test_a_bsuid_only_customer_is_answered_through_the_recipient_field(
    client, emulator, receiver, channel_key
):
    conversation_id = bsuid_customer_writes(client, emulator, channel_key)
    [contact] = read(select(Contact))
    assert (contact.bsuid, contact.wa_id, contact.phone_e164) == (BSUID, None, None)
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert 'id="composer-text"' in page and "composer-refusal" not in page
    send_text(client, conversation_id, "Gern, worum geht es?")
    message = outbound()
    [sent] = sent_at_emulator(emulator)
    assert message.status == "sent" and message.wamid == sent["id"]
    assert sent["body"]["recipient"] == BSUID and "to" not in sent["body"]
    relay(client, receiver, channel_key, 3)  # statuses name recipient_user_id
    assert outbound().status == "read"


def test_the_window_rules_hold_for_bsuid_only_customers(client, emulator, channel_key):
    conversation_id = bsuid_customer_writes(client, emulator, channel_key)
    sync(client)
    close_window()
    send_text(client, conversation_id, "Noch da?")
    assert outbound() is None and sent_at_emulator(emulator) == []
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "24-Stunden-Fenster ist geschlossen" in page
    send_template(client, conversation_id)  # an approved template may start again
    [sent] = sent_at_emulator(emulator)
    assert sent["body"]["recipient"] == BSUID and outbound().status == "sent"


def queue_one_time_code(app, conversation_id: int) -> None:
    """The send path itself: the composer never offers one-time codes to agents."""
    with app.test_request_context():  # refusals are worded in the request's locale
        conversation = db.session.get(Conversation, conversation_id)
        template = db.session.scalar(
            select(MessageTemplate).where(MessageTemplate.name == "einmalcode")
        )
        author = db.session.scalar(select(User))
        queue_template(conversation, author, template, {"BODY:1": "481516"})


def test_authentication_templates_are_refused_for_bsuid_only_customers(
    client, app, emulator, channel_key
):
    emulator.admin("POST", "templates", json=ONE_TIME_CODE)
    conversation_id = bsuid_customer_writes(client, emulator, channel_key)
    sync(client)
    with pytest.raises(SendRefused, match="nur an eine Telefonnummer"):
        queue_one_time_code(app, conversation_id)
    assert outbound() is None and sent_at_emulator(emulator) == []


def test_authentication_templates_still_go_to_customers_with_a_number(
    client, app, emulator, channel_key
):
    emulator.admin("POST", "templates", json=ONE_TIME_CODE)
    conversation_id = customer_writes(client, emulator, channel_key)
    sync(client)
    queue_one_time_code(app, conversation_id)
    [sent] = sent_at_emulator(emulator)
    assert sent["body"]["to"].endswith(sent["to"]) and outbound().status == "sent"


def test_the_emulator_takes_bsuids_only_in_recipient_and_only_well_formed(emulator):
    emulator.open_window()
    emulator.inject(bsuid_only=True, user_id=BSUID, deliver=False)
    text = {"type": "text", "text": {"body": "Hallo"}}
    for bad in ("DE-123", "D.123", "DE.12 3", "DE." + "1" * 129, "4915112345678"):
        answer = emulator.send({"to": None, "recipient": bad, **text})
        assert "recipient" in meta_error(answer, 100)["error_data"]["details"]
    answer = emulator.send({"to": BSUID, **text})
    assert "recipient" in meta_error(answer, 100)["error_data"]["details"]
    answer = emulator.send({"to": None, "recipient": "DE.ENT.8812", **text})
    assert answer.status_code == 400  # well formed, but this user never wrote
    assert meta_error(answer, 131047)
    answer = emulator.send({"to": None, "recipient": BSUID, **text})
    assert answer.json()["contacts"] == [{"input": BSUID, "user_id": BSUID}]


def test_the_emulator_refuses_authentication_templates_to_bsuids(emulator):
    emulator.admin("POST", "templates", json=ONE_TIME_CODE)
    template = {
        "name": "einmalcode",
        "language": {"code": "de"},
        "components": [
            {"type": "body", "parameters": [{"type": "text", "text": "481516"}]}
        ],
    }
    answer = emulator.send(
        {"to": None, "recipient": BSUID, "type": "template", "template": template}
    )
    assert meta_error(answer, 131062)
    answer = emulator.send({"type": "template", "template": template})
    assert answer.status_code == 200, answer.text
