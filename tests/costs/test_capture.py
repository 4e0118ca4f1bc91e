"""Meta's pricing on status webhooks becomes one report_pricing fact per message."""

import json
from datetime import date

from sqlalchemy import select, text

from leadgate.extensions import db
from leadgate.models import Conversation, Message

from ..campaigns.helpers import create, launch, people, template_id
from ..emulator_support import CUSTOMER
from ..outbound.helpers import customer_writes, post_webhook, read, relay, send_text
from ..webhook_fixtures import meta_bytes
from .helpers import SENT_AT, facts, post_statuses, status

ANNA = "4915112345601"  # a German mobile number
LUKAS = "436641234567"  # an Austrian one


def test_pricing_on_sent_and_on_delivered_counts_once(client, channel_key):
    post_statuses(client, channel_key, status("wamid.A1", "sent", ANNA, "marketing"))
    post_statuses(
        client,
        channel_key,
        status("wamid.A1", "delivered", ANNA, "marketing"),
        status("wamid.A1", "read", ANNA, None),  # Meta prices one of delivered/read
    )
    post_statuses(client, channel_key, status("wamid.A1", "sent", ANNA, "marketing"))
    [fact] = facts()
    assert (fact.category, fact.pricing_type, fact.billable, fact.country) == (
        "marketing",
        "regular",
        True,
        "DE",
    )
    assert (fact.sent_at, fact.sent_on) == (SENT_AT, date(2026, 5, 12))


def test_sent_and_delivered_in_one_batch_count_once_and_free_is_not_billable(
    client, channel_key
):
    post_statuses(
        client,
        channel_key,
        status("wamid.B1", "sent", LUKAS, "utility"),
        status("wamid.B1", "delivered", LUKAS, "utility"),
        status("wamid.B2", "sent", ANNA, "service", "free_customer_service"),
        status("wamid.B3", "sent", ANNA, "marketing", "free_entry_point"),
    )
    rows = {(f.country, f.category, f.pricing_type, f.billable) for f in facts()}
    assert rows == {
        ("AT", "utility", "regular", True),
        ("DE", "service", "free_customer_service", False),
        ("DE", "marketing", "free_entry_point", False),
    }


def test_conversation_based_pricing_is_not_counted_as_messages(client, channel_key):
    item = status("wamid.C1", "sent", ANNA, "marketing")
    item["pricing"]["pricing_model"] = "CBP"
    post_statuses(client, channel_key, item)
    assert facts() == []


def test_a_reply_through_the_emulator_is_free_and_nothing_personal_is_stored(
    app, client, emulator, receiver, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    send_text(client, conversation_id, "Guten Tag, Erika Musterfrau!")
    relay(client, receiver, channel_key, 3)  # sent (priced), delivered (priced), read
    [fact] = facts()
    assert (fact.category, fact.pricing_type, fact.billable, fact.country) == (
        "service",
        "free_customer_service",
        False,
        "DE",
    )
    [message] = read(select(Message).where(Message.direction == "out"))
    with app.app_context():
        stored = db.session.execute(text("SELECT * FROM report_pricing")).one()
    flat = " ".join(str(value) for value in stored)
    for secret in (message.wamid, "4915112345678", "Erika", "Guten Tag", "@"):
        assert secret not in flat
    assert len(fact.message_key) == 32


def test_a_campaign_through_the_emulator_is_priced_once_per_message(
    app, client, emulator, receiver, channel_key
):
    label = people(
        app,
        [
            {"name": "Anna", "number": "+491701000001"},
            {"name": "Lukas", "number": "+436641234567"},
        ],
    )
    campaign_id = create(client, label, "angebot_nachfassen")
    assert launch(client, campaign_id).status_code == 303
    emulator.wait_idle()
    received = list(receiver.received)
    priced: dict[str, list[str]] = {}
    for entry in received:
        for change in json.loads(entry.body)["entry"][0]["changes"]:
            for item in change["value"].get("statuses", []):
                if "pricing" in item:
                    assert item["pricing"]["category"] == "marketing"
                    assert item["pricing"]["type"] == "regular"
                    priced.setdefault(item["id"], []).append(item["status"])
    # Meta's rule: pricing on `sent` and on one of delivered/read, no more.
    assert sorted(map(sorted, priced.values())) == [["delivered", "sent"]] * 2
    for entry in received:
        post_webhook(client, channel_key, entry.body)
    rows = facts()
    assert sorted(f.country for f in rows) == ["AT", "DE"]
    assert {(f.campaign_id, f.template_id, f.billable) for f in rows} == {
        (campaign_id, template_id("angebot_nachfassen"), True)
    }


def test_after_an_ad_the_emulator_prices_messages_as_a_free_entry_point(
    client, emulator, receiver, channel_key
):
    answer = emulator.inject(
        **{"from": CUSTOMER, "deliver": False, "type": "referral", "text": "Hallo"}
    )
    post_webhook(client, channel_key, meta_bytes(answer["webhook"]))
    [conversation_id] = read(select(Conversation.id))
    send_text(client, conversation_id, "Danke für Ihr Interesse!")
    relay(client, receiver, channel_key, 3)
    [fact] = facts()
    assert (fact.pricing_type, fact.billable) == ("free_entry_point", False)


def test_erasing_the_contact_takes_their_priced_messages_along(
    app, client, emulator, receiver, channel_key
):
    conversation_id = customer_writes(client, emulator, channel_key)
    send_text(client, conversation_id, "Guten Tag!")
    relay(client, receiver, channel_key, 3)
    assert len(facts()) == 1
    [contact_id] = read(
        select(Conversation.contact_id).where(Conversation.id == conversation_id)
    )
    response = client.post(f"/contacts/{contact_id}/erase", data={"confirm": "LÖSCHEN"})
    assert response.status_code == 302
    assert facts() == []
