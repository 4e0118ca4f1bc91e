"""Webhook bodies parse into the right dataclasses; nothing is silently lost."""

import dataclasses
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from leadgate.whatsapp.payloads.account import AccountEvent, TemplateStatusUpdate
from leadgate.whatsapp.payloads.batch import PayloadError, WebhookBatch, parse_webhook
from leadgate.whatsapp.payloads.items import ErrorEvent, Identity, Rejected
from leadgate.whatsapp.payloads.messages import InboundMessage, Media
from leadgate.whatsapp.payloads.preferences import UserPreference
from leadgate.whatsapp.payloads.statuses import StatusUpdate

from .webhook_fixtures import (
    load_payload,
    meta_bytes,
    payload_bytes,
    payload_names,
    sign,
)

WABA_ID = "102290129340398"
PHONE_NUMBER_ID = "106540352242922"
DISPLAY_NUMBER = "15550783881"
JUERGEN = Identity(
    wa_id="4915112345678", bsuid="DE.1349120865530274191", name="Jürgen Müller"
)
SHEENA = Identity(
    wa_id="16505551234", bsuid="US.13491208655302741918", name="Sheena Nelson"
)
SENT_WAMID = "wamid.HBgLMTU1NTA3ODM4ODEVAgARGBIxOUQ1NEYwRDZBNEQxN0YxQjIA"


def at(unix_seconds: int) -> datetime:
    return datetime.fromtimestamp(unix_seconds, UTC)


def value_of(payload: dict) -> dict:
    return payload["entry"][0]["changes"][0]["value"]


def only(batch: WebhookBatch, kind: str):
    """Return the one update of the batch, asserting it is of the given kind."""
    assert len(batch) == 1, batch
    (update,) = getattr(batch, kind)
    return update


def only_message(name: str) -> InboundMessage:
    return only(parse_webhook(load_payload(name)), "messages")


def only_status(name: str) -> StatusUpdate:
    return only(parse_webhook(load_payload(name)), "statuses")


@pytest.mark.parametrize("name", payload_names())
def test_every_fixture_parses_cleanly(name):
    batch = parse_webhook(load_payload(name))

    assert len(batch) >= 1
    assert batch.rejected == []
    assert batch.waba_ids() == {WABA_ID}
    assert batch.phone_number_ids() <= {PHONE_NUMBER_ID}
    for message in batch.messages:
        json.dumps(message.details)  # details are stored as JSON


@pytest.mark.parametrize("name", payload_names())
def test_meta_bytes_decode_to_the_same_payload(name):
    body = payload_bytes(name)

    assert body.isascii()
    assert b"\n" not in body
    assert json.loads(body) == load_payload(name)


def test_payload_bytes_escape_unicode_and_slashes_like_meta():
    assert b"J\\u00fcrgen M\\u00fcller" in payload_bytes("text")
    assert b"K\\u00f6ln \\ud83d\\udc4b" in payload_bytes("text")
    assert b'"mime_type":"image\\/jpeg"' in payload_bytes("image_caption")
    assert meta_bytes({"url": "https://a/b"}) == b'{"url":"https:\\/\\/a\\/b"}'


def test_sign_is_hmac_sha256_of_the_raw_bytes():
    body = payload_bytes("text")
    expected = hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()

    assert sign(body, "app-secret") == f"sha256={expected}"
    assert sign(b'{"a":1}', "s") == (
        "sha256=37beaf650f70b40ec9706929c2e9d835cbd63729988f48781e6383a147215f07"
    )
    assert sign(body, "app-secret") != sign(body + b" ", "app-secret")


def test_text_message():
    message = only_message("text")
    item = value_of(load_payload("text"))["messages"][0]

    assert message == InboundMessage(
        phone_number_id=PHONE_NUMBER_ID,
        display_phone_number=DISPLAY_NUMBER,
        waba_id=WABA_ID,
        wamid=item["id"],
        type="text",
        timestamp=datetime(2026, 4, 28, 12, 40, tzinfo=UTC),
        sender=JUERGEN,
        text="Grüße aus Köln 👋 Gibt es den Tisch auch in Eiche?",
        raw=item,
    )
    assert message.timestamp.tzinfo is UTC


def test_text_reply_carries_the_quoted_wamid():
    message = only_message("text_reply")

    assert message.text == "Ja, Freitag um 10 Uhr passt mir."
    assert message.reply_to_wamid == SENT_WAMID
    assert (message.forwarded, message.frequently_forwarded) == (False, False)
    assert message.details == {}


@pytest.mark.parametrize(
    ("name", "frequently"),
    [("text_forwarded", False), ("text_frequently_forwarded", True)],
)
def test_forwarded_text_has_no_reply_id(name, frequently):
    message = only_message(name)

    assert message.forwarded is True
    assert message.frequently_forwarded is frequently
    assert message.reply_to_wamid is None


def test_product_inquiry_keeps_the_referred_product():
    message = only_message("text_product_inquiry")

    assert message.text == "Ist der Artikel noch lieferbar?"
    assert message.reply_to_wamid == (
        "wamid.HBgLMTU1NTA3ODM4ODEVAgARGBJDOUE3M0I0QjkyRUREOTY3QzgA"
    )
    assert message.details == {
        "referred_product": {
            "catalog_id": "194836987003835",
            "product_retailer_id": "tisch-eiche-180",
        }
    }


def sha256_of(name: str) -> str:
    value = value_of(load_payload(name))["messages"][0]
    return value[value["type"]]["sha256"]


MEDIA_CASES = [
    (
        "image_caption",
        "image",
        "Kratzer an der Tischplatte – siehe Foto",
        {"media_id": "1003383421387256", "mime_type": "image/jpeg"},
    ),
    (
        "audio_voice",
        "audio",
        None,
        {
            "media_id": "1281645086451298",
            "mime_type": "audio/ogg; codecs=opus",
            "voice": True,
        },
    ),
    (
        "video",
        "video",
        None,
        {"media_id": "1535425957184592", "mime_type": "video/mp4"},
    ),
    (
        "document",
        "document",
        "Rechnung April",
        {
            "media_id": "1766524397583231",
            "mime_type": "application/pdf",
            "filename": "Rechnung_2026-04.pdf",
        },
    ),
    (
        "sticker_animated",
        "sticker",
        None,
        {"media_id": "1169472914571805", "mime_type": "image/webp", "animated": True},
    ),
]


@pytest.mark.parametrize(("name", "kind", "caption", "media"), MEDIA_CASES)
def test_media_messages(name, kind, caption, media):
    message = only_message(name)
    url = value_of(load_payload(name))["messages"][0][kind].get("url")

    assert message.type == kind
    assert message.caption == caption
    assert message.text is None
    assert message.media == Media(sha256=sha256_of(name), url=url, **media)
    assert message.sender == JUERGEN


def test_voice_note_is_flagged_and_has_a_download_url():
    media = only_message("audio_voice").media

    assert media.voice is True
    assert media.animated is False
    assert media.url.startswith("https://lookaside.fbsbx.com/whatsapp_business/")


def test_media_message_without_id_is_kept_without_media():
    payload = load_payload("image_caption")
    del value_of(payload)["messages"][0]["image"]["id"]

    message = only(parse_webhook(payload), "messages")

    assert message.media is None
    assert message.caption == "Kratzer an der Tischplatte – siehe Foto"


def test_location():
    message = only_message("location")

    assert message.type == "location"
    assert message.details == {
        "latitude": 50.941357,
        "longitude": 6.958307,
        "name": "Kölner Dom",
        "address": "Domkloster 4, 50667 Köln",
        "url": "https://www.koelner-dom.de",
    }


def test_contacts_card_is_not_confused_with_the_sender():
    message = only_message("contacts")
    cards = value_of(load_payload("contacts"))["messages"][0]["contacts"]

    assert message.sender == JUERGEN
    assert message.details == {"contacts": cards}
    assert cards[0]["name"]["formatted_name"] == "Anna Schmitz"


INTERACTIVE_CASES = [
    (
        "interactive_button_reply",
        "Bestätigen",
        {
            "interactive_type": "button_reply",
            "reply_id": "termin-bestaetigen",
            "title": "Bestätigen",
            "description": None,
            "response": None,
        },
    ),
    (
        "interactive_list_reply",
        "Express",
        {
            "interactive_type": "list_reply",
            "reply_id": "versand-express",
            "title": "Express",
            "description": "Lieferung in 1–2 Werktagen",
            "response": None,
        },
    ),
    (
        "interactive_nfm_reply",
        "Sent",
        {
            "interactive_type": "nfm_reply",
            "reply_id": None,
            "title": None,
            "description": None,
            "response": {
                "flow_token": "AQAAAAACS5FpgQ_cAAAAAD0QI3s.",
                "termin_datum": "2026-05-12",
                "filiale": "Köln-Ehrenfeld",
                "newsletter": False,
            },
        },
    ),
]


@pytest.mark.parametrize(("name", "text", "details"), INTERACTIVE_CASES)
def test_interactive_replies(name, text, details):
    message = only_message(name)

    assert message.type == "interactive"
    assert message.text == text
    assert message.details == details
    assert message.reply_to_wamid.startswith("wamid.")


def test_nfm_reply_keeps_a_response_that_is_not_json():
    payload = load_payload("interactive_nfm_reply")
    value_of(payload)["messages"][0]["interactive"]["nfm_reply"]["response_json"] = "{"

    message = only(parse_webhook(payload), "messages")

    assert message.details["response"] == "{"


def test_interactive_without_object_parses_and_keeps_the_value_error():
    batch = parse_webhook(load_payload("interactive_missing_object"))

    (message,) = batch.messages
    assert message.type == "interactive"
    assert message.text is None
    assert message.details["interactive_type"] is None
    assert batch.errors == [
        ErrorEvent(
            waba_id=WABA_ID,
            phone_number_id=PHONE_NUMBER_ID,
            errors=(
                {
                    "code": 131000,
                    "title": "Something went wrong",
                    "message": "Something went wrong",
                    "details": "Interactive message content could not be processed.",
                },
            ),
        )
    ]
    assert len(batch) == 2


def test_template_quick_reply_button():
    message = only_message("button")

    assert message.type == "button"
    assert message.text == "Keine Angebote mehr"
    assert message.details == {
        "payload": "STOP_PROMOTIONS",
        "text": "Keine Angebote mehr",
    }
    assert message.reply_to_wamid.startswith("wamid.")


@pytest.mark.parametrize(
    ("name", "emoji"), [("reaction", "👍"), ("reaction_removed", None)]
)
def test_reactions(name, emoji):
    message = only_message(name)
    sent = value_of(load_payload(name))["messages"][0]["reaction"]["message_id"]

    assert message.type == "reaction"
    assert message.reaction_emoji == emoji
    assert message.reaction_to_wamid == sent
    assert message.reaction_to_wamid.startswith("wamid.HBgLMTU1NTA3ODM4ODEVAgAR")
    assert message.text is None


def test_reaction_without_emoji_key_is_a_removal():
    payload = load_payload("reaction")
    del value_of(payload)["messages"][0]["reaction"]["emoji"]

    assert only(parse_webhook(payload), "messages").reaction_emoji is None


def test_order():
    message = only_message("order")

    assert message.text == "Bitte nicht vor Freitag liefern."
    assert message.details["catalog_id"] == "194836987003835"
    assert [item["quantity"] for item in message.details["product_items"]] == [1, 4]
    assert message.details["product_items"][1]["item_price"] == 149.5


def test_system_number_change_has_no_contacts():
    message = only_message("system_user_changed_number")

    assert message.sender == Identity(wa_id="4915112345678")
    assert message.text == (
        "User Jürgen Müller changed from 4915112345678 to 4915198765432"
    )
    assert message.details == {
        "system_type": "user_changed_number",
        "new_wa_id": "4915198765432",
        "body": message.text,
    }


def test_system_identity_change_keeps_the_identity():
    message = only_message("system_customer_identity_changed")

    assert message.details["system_type"] == "customer_identity_changed"
    assert message.details["new_wa_id"] is None
    assert message.details["identity"] == {
        "acknowledged": True,
        "created_timestamp": 1777380204,
        "hash": "Sjvjlx8G6Z0=",
    }


@pytest.mark.parametrize(
    ("name", "unsupported_type", "error"),
    [
        (
            "unsupported",
            "poll_update",
            {
                "code": 131051,
                "title": "Message type unknown",
                "message": "Message type unknown",
                "details": "Message type is currently not supported.",
            },
        ),
        (
            "unknown_legacy",
            None,
            {
                "code": 131051,
                "title": "Unsupported message type",
                "message": None,
                "details": "Message type is not currently supported",
            },
        ),
    ],
)
def test_unsupported_generations_normalise_to_one_type(name, unsupported_type, error):
    message = only_message(name)

    assert message.type == "unsupported"
    assert message.raw["type"] == ("unknown" if name == "unknown_legacy" else name)
    assert message.details == {"unsupported_type": unsupported_type, "errors": [error]}


def test_revoke_points_at_the_deleted_message():
    message = only_message("revoke")

    assert message.type == "revoke"
    assert message.target_wamid == (
        "wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFDBCNzAwRjkzNzYzODA1OTI3RUNEAA=="
    )
    assert message.text is None


def test_edit_carries_the_new_text():
    message = only_message("edit")
    new_body = "Grüße aus Köln 👋 Gibt es den Tisch auch in Nussbaum?"

    assert message.type == "edit"
    assert message.target_wamid == (
        "wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFDU3OTc2RDExQTNENDVDNDIyN0Y0AA=="
    )
    assert message.text == new_body
    assert message.details == {
        "edited_type": "text",
        "message": {"type": "text", "text": {"body": new_body}},
    }


def test_click_to_whatsapp_referral():
    message = only_message("referral")
    referral = message.details["referral"]

    assert message.text == "Hallo! Ich interessiere mich für das Angebot."
    assert referral["source_type"] == "ad"
    assert referral["source_id"] == "120226305854810726"
    assert referral["ctwa_clid"] == "Afd4YHS0JwSx1yT3kv2m8X6cTHnHk3Q4s5"
    assert referral["welcome_message"] == {"text": "Hallo! Wie können wir helfen?"}


def test_bsuid_only_sender_has_no_phone_number():
    message = only_message("bsuid_only_sender")

    assert message.sender == Identity(
        wa_id=None,
        bsuid="DE.5870123491812274610",
        parent_bsuid="DE.ENT.11815799212886844830",
        name="Jana",
        username="jana.koeln",
    )
    assert message.text == "Hi, hier ist Jana – ist der Showroom samstags offen?"


def test_sent_status_with_conversation_and_pricing():
    status = only_status("status_sent")
    item = value_of(load_payload("status_sent"))["statuses"][0]

    assert status == StatusUpdate(
        phone_number_id=PHONE_NUMBER_ID,
        waba_id=WABA_ID,
        wamid=item["id"],
        status="sent",
        timestamp=at(1777380300),
        recipient=Identity(wa_id="16505551234"),
        conversation={
            "id": "a3c9e8b1f24d7c60e5b2d19f8a4c7e31",
            "expiration_timestamp": "1777466400",
            "origin": {"type": "utility"},
        },
        pricing={
            "billable": True,
            "pricing_model": "PMP",
            "category": "utility",
            "type": "regular",
        },
        raw=item,
    )


@pytest.mark.parametrize(
    ("name", "state", "timestamp", "has_pricing"),
    [
        ("status_delivered", "delivered", 1777380310, True),
        ("status_read", "read", 1777380320, False),
        ("status_played", "played", 1777380340, False),
    ],
)
def test_later_statuses(name, state, timestamp, has_pricing):
    status = only_status(name)

    assert status.status == state
    assert status.timestamp == at(timestamp)
    assert status.recipient == Identity(wa_id="16505551234")
    assert status.conversation is None
    assert (status.pricing is not None) is has_pricing
    assert status.errors == ()


def test_failed_status_normalises_errors():
    status = only_status("status_failed")
    title = "This message was not delivered to maintain healthy ecosystem engagement."

    assert status.status == "failed"
    assert status.errors == (
        {
            "code": 131049,
            "title": title,
            "message": title,
            "details": "In order to maintain a healthy ecosystem engagement, "
            "the message failed to be delivered.",
        },
    )


def test_status_for_a_bsuid_only_recipient():
    status = only_status("status_bsuid_only")

    assert status.recipient == Identity(bsuid="US.13491208655302741918")


def test_unknown_status_value_is_kept_as_given():
    payload = load_payload("status_read")
    value_of(payload)["statuses"][0]["status"] = "deleted"

    assert only(parse_webhook(payload), "statuses").status == "deleted"


def test_value_level_errors():
    batch = parse_webhook(load_payload("value_errors"))

    assert only(batch, "errors") == ErrorEvent(
        waba_id=WABA_ID,
        phone_number_id=PHONE_NUMBER_ID,
        errors=(
            {
                "code": 130429,
                "title": "Rate limit hit",
                "message": "Rate limit hit",
                "details": "Cloud API message throughput has been reached.",
            },
        ),
    )


@pytest.mark.parametrize(
    ("name", "value", "detail", "timestamp"),
    [
        (
            "user_preferences_stop",
            "stop",
            "User requested to stop marketing messages",
            1777380400,
        ),
        (
            "user_preferences_resume",
            "resume",
            "User requested to resume marketing messages",
            1777380410,
        ),
    ],
)
def test_user_preferences(name, value, detail, timestamp):
    preference = only(parse_webhook(load_payload(name)), "preferences")

    assert preference == UserPreference(
        phone_number_id=PHONE_NUMBER_ID,
        waba_id=WABA_ID,
        identity=JUERGEN,
        category="marketing_messages",
        value=value,
        detail=detail,
        timestamp=at(timestamp),
    )


@pytest.mark.parametrize(
    ("name", "template_id", "template_name", "event", "reason", "category"),
    [
        (
            "template_approved",
            "1689556908129832",
            "bestellbestaetigung",
            "APPROVED",
            "NONE",
            "UTILITY",
        ),
        (
            "template_rejected",
            "1689556908129833",
            "fruehlingsrabatt",
            "REJECTED",
            "INVALID_FORMAT",
            "MARKETING",
        ),
        (
            "template_flagged_reason_null",
            "1689556908129834",
            "newsletter_mai",
            "FLAGGED",
            None,
            None,
        ),
    ],
)
def test_template_status_updates(
    name, template_id, template_name, event, reason, category
):
    payload = load_payload(name)

    template = only(parse_webhook(payload), "templates")

    assert template == TemplateStatusUpdate(
        waba_id=WABA_ID,
        template_id=template_id,
        name=template_name,
        language="de",
        event=event,
        reason=reason,
        category=category,
        raw=value_of(payload),
    )


def test_template_without_phone_number_has_no_phone_number_ids():
    batch = parse_webhook(load_payload("template_approved"))

    assert batch.phone_number_ids() == set()
    assert batch.waba_ids() == {WABA_ID}


@pytest.mark.parametrize("name", ["phone_number_quality_update", "account_update"])
def test_account_events_keep_the_value(name):
    payload = load_payload(name)

    event = only(parse_webhook(payload), "account_events")

    assert event == AccountEvent(
        waba_id=WABA_ID, field=name, phone_number_id=None, value=value_of(payload)
    )


def test_unknown_field_becomes_an_account_event():
    payload = load_payload("text")
    payload["entry"][0]["changes"][0]["field"] = "business_username_update"

    event = only(parse_webhook(payload), "account_events")

    assert event.field == "business_username_update"
    assert event.phone_number_id == PHONE_NUMBER_ID


def test_unknown_message_type_is_kept():
    payload = load_payload("text")
    item = value_of(payload)["messages"][0]
    item["type"] = "poll"
    item["poll"] = item.pop("text")

    message = only(parse_webhook(payload), "messages")

    assert (message.type, message.text, message.details) == ("poll", None, {})
    assert message.raw["poll"] == {
        "body": "Grüße aus Köln 👋 Gibt es den Tisch auch in Eiche?"
    }


def test_timestamps_accept_ints_and_strings():
    payload = load_payload("text")
    value_of(payload)["messages"][0]["timestamp"] = 1777380000

    message = only(parse_webhook(payload), "messages")

    assert message.timestamp == only_message("text").timestamp


def test_single_contact_applies_even_when_wa_id_differs():
    payload = load_payload("text")
    value_of(payload)["messages"][0]["from"] = "4915100000000"

    sender = only(parse_webhook(payload), "messages").sender

    assert sender == dataclasses.replace(JUERGEN, wa_id="4915100000000")


def test_sender_is_matched_by_bsuid_among_several_contacts():
    payload = load_payload("batched")
    item = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    del item["from"]
    item["from_user_id"] = JUERGEN.bsuid

    assert parse_webhook(payload).messages[0].sender == JUERGEN


def test_unmatched_sender_among_several_contacts_gets_no_profile():
    payload = load_payload("batched")
    payload["entry"][0]["changes"][0]["value"]["messages"][1]["from"] = "4930123456"

    sender = parse_webhook(payload).messages[1].sender

    assert sender == Identity(wa_id="4930123456")


def test_batched_post_yields_every_update():
    payload = load_payload("batched")

    batch = parse_webhook(payload)

    assert len(batch) == 7
    assert [(m.type, m.sender) for m in batch.messages] == [
        ("text", JUERGEN),
        ("image", SHEENA),
        ("reaction", SHEENA),
    ]
    assert [s.status for s in batch.statuses] == ["sent", "delivered", "read", "failed"]
    assert [s.recipient.wa_id for s in batch.statuses] == [
        "16505551234",
        "4915112345678",
        "16505551234",
        "4915112345678",
    ]
    assert batch.statuses[3].errors[0]["code"] == 131047
    assert batch.messages[2].reaction_to_wamid == batch.messages[0].wamid
    assert batch.messages[2].reaction_emoji == "❤️"
    assert batch.rejected == []
    assert batch.phone_number_ids() == {PHONE_NUMBER_ID}
    assert batch.waba_ids() == {WABA_ID}


def test_batch_from_two_businesses():
    first, second = load_payload("text"), load_payload("template_approved")
    second["entry"][0]["id"] = 102290129340399  # entry ids may arrive as ints
    first["entry"] += second["entry"]

    batch = parse_webhook(first)

    assert batch.waba_ids() == {WABA_ID, "102290129340399"}
    assert batch.templates[0].waba_id == "102290129340399"


def add_message(payload: dict, item) -> dict:
    value_of(payload)["messages"].append(item)
    return payload


def text_item(**changes) -> dict:
    item = {
        "from": "4915112345678",
        "id": "wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFEJBRE1FU1NBR0UwMDAwMDAwMDAA",
        "timestamp": "1777380001",
        "type": "text",
        "text": {"body": "zweite Nachricht"},
    }
    return {key: value for key, value in {**item, **changes}.items() if value}


BAD_MESSAGES = [
    (text_item(id=None), "missing id"),
    (text_item(type=None), "missing type"),
    (text_item(timestamp="gestern"), "timestamp 'gestern' is not unix seconds"),
    (text_item(timestamp="1e99"), "not unix seconds"),
    (text_item(timestamp="99999999999999999999"), "out of range"),
    ("not a message", "message is not an object"),
    (None, "message is not an object"),
]


@pytest.mark.parametrize(("item", "reason"), BAD_MESSAGES)
def test_malformed_message_is_rejected_and_the_good_one_kept(item, reason):
    batch = parse_webhook(add_message(load_payload("text"), item))

    assert [m.text for m in batch.messages] == [
        "Grüße aus Köln 👋 Gibt es den Tisch auch in Eiche?"
    ]
    (rejected,) = batch.rejected
    assert (rejected.waba_id, rejected.field, rejected.item) == (
        WABA_ID,
        "messages",
        item,
    )
    assert reason in rejected.reason
    assert len(batch) == 2


def test_message_without_any_sender_is_rejected():
    payload = load_payload("system_user_changed_number")
    del value_of(payload)["messages"][0]["from"]

    batch = parse_webhook(payload)

    assert batch.messages == []
    assert batch.rejected[0].reason == "message has no from or from_user_id"


def test_missing_phone_number_id_rejects_messages_and_statuses():
    payload = load_payload("batched")
    del payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"]
    del payload["entry"][0]["changes"][1]["value"]["metadata"]

    batch = parse_webhook(payload)

    assert len(batch.rejected) == 4
    assert {r.reason for r in batch.rejected} == {
        "value.metadata has no phone_number_id"
    }
    assert len(batch.messages) == 1
    assert len(batch.statuses) == 2


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda status: status.pop("id"), "missing id"),
        (lambda status: status.pop("status"), "missing status"),
        (lambda status: status.update(timestamp="soon"), "not unix seconds"),
    ],
)
def test_malformed_status_is_rejected_and_the_good_one_kept(mutate, reason):
    payload = load_payload("batched")
    statuses = payload["entry"][0]["changes"][1]["value"]["statuses"]
    mutate(statuses[0])

    batch = parse_webhook(payload)

    assert [s.status for s in batch.statuses] == ["delivered", "read", "failed"]
    assert len(batch.messages) == 3
    (rejected,) = batch.rejected
    assert (rejected.field, rejected.item) == ("messages", statuses[0])
    assert reason in rejected.reason


BAD_CHANGES = [
    ({"field": "messages"}, "change has no value"),
    ({"field": "messages", "value": "oops"}, "change has no value"),
    ({"value": {"event": "FLAGGED"}}, "change has no field"),
    ("not a change", "change has no field"),
    (
        {"field": "messages", "value": {"messaging_product": "whatsapp"}},
        "value has no messages, statuses or errors",
    ),
    (
        {"field": "messages", "value": {"messages": {"id": "x"}}},
        "expected a list of updates, got dict",
    ),
    (
        {"field": "messages", "value": {"errors": "boom"}},
        "errors is not a list",
    ),
    (
        {"field": "user_preferences", "value": {"metadata": {}}},
        "expected a list of updates, got NoneType",
    ),
    (
        {"field": "message_template_status_update", "value": {"event": "APPROVED"}},
        "missing message_template_id",
    ),
]


@pytest.mark.parametrize(("change", "reason"), BAD_CHANGES)
def test_malformed_change_is_rejected_and_its_siblings_kept(change, reason):
    payload = load_payload("batched")
    payload["entry"][1]["changes"].insert(1, change)

    batch = parse_webhook(payload)

    assert len(batch.messages) == 3
    assert len(batch.statuses) == 4
    (rejected,) = batch.rejected
    assert rejected.waba_id == WABA_ID
    assert rejected.reason == reason


def test_entry_without_changes_list_is_rejected():
    payload = load_payload("batched")
    payload["entry"][1]["changes"] = None

    batch = parse_webhook(payload)

    assert len(batch.messages) == 2
    assert batch.rejected == [
        Rejected(WABA_ID, None, "changes is not a list", payload["entry"][1])
    ]


def test_malformed_preference_is_rejected():
    payload = load_payload("user_preferences_stop")
    preferences = value_of(payload)["user_preferences"]
    preferences.append({**preferences[0], "timestamp": "nie"})

    batch = parse_webhook(payload)

    assert len(batch.preferences) == 1
    assert "not unix seconds" in batch.rejected[0].reason


def envelope(**changes) -> dict:
    return {"object": "whatsapp_business_account", "entry": [], **changes}


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "whatsapp_business_account",
        b"{}",
        {},
        {"object": "page", "entry": []},
        envelope(entry=None),
        envelope(entry={"id": WABA_ID, "changes": []}),
        envelope(entry=["not an entry"]),
        envelope(entry=[{"changes": []}]),
        envelope(entry=[{"id": None, "changes": []}]),
        envelope(entry=[{"id": "", "changes": []}]),
        envelope(entry=[{"id": True, "changes": []}]),
        envelope(entry=[{"id": 1.5, "changes": []}]),
    ],
)
def test_bad_envelope_raises(body):
    with pytest.raises(PayloadError):
        parse_webhook(body)


def test_payload_error_is_a_value_error():
    assert issubclass(PayloadError, ValueError)


def test_empty_entry_list_is_an_empty_batch():
    batch = parse_webhook(envelope())

    assert len(batch) == 0
    assert not batch
    assert batch.phone_number_ids() == set()


def test_updates_are_frozen():
    message = only_message("text")

    with pytest.raises(dataclasses.FrozenInstanceError):
        message.text = "changed"  # type: ignore[misc]
