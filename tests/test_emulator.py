"""The Cloud API emulator, driven over real HTTP like LeadGate drives it."""

import base64
import hashlib
import re
import time

import httpx
import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Response

from leadgate.whatsapp.emulator import create_emulator_app, emulator_of

from .emulator_support import (
    AUTH,
    CUSTOMER,
    MEDIA_TYPES,
    NAME,
    PHONE_ID,
    PNG,
    SECRET,
    WABA_ID,
    LiveServer,
    emulator_config,
    meta_error,
    value_of,
)


@pytest.fixture
def emulator(make_emulator):
    return make_emulator()


# Graph API: phone number, auth, validation


def test_phone_number_info_honours_fields(emulator):
    info = emulator.graph("GET", PHONE_ID).json()
    assert info["verified_name"] == "Muster GmbH" and info["id"] == PHONE_ID
    assert info["display_phone_number"] == "+49 30 1234567"
    assert info["quality_rating"] == "GREEN"
    picked = emulator.graph(
        "GET", PHONE_ID, params={"fields": "verified_name,quality_rating"}
    )
    assert picked.json() == {
        "verified_name": "Muster GmbH",
        "quality_rating": "GREEN",
        "id": PHONE_ID,
    }


@pytest.mark.parametrize("token", [None, "falsches-token"])
def test_a_missing_or_wrong_token_is_oauth_190(emulator, token):
    response = emulator.send_text(token=token)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == 190 and error["type"] == "OAuthException"
    assert set(error) == {"message", "type", "code", "fbtrace_id"}
    assert "invalid_token" in response.headers["WWW-Authenticate"]


def test_unknown_ids_and_paths_answer_like_graph(emulator):
    error = emulator.graph("GET", "999999").json()["error"]
    assert error["code"] == 100 and error["error_subcode"] == 33
    assert emulator.graph("GET", "999999", token=None).status_code == 401
    assert (
        emulator.graph("GET", f"{PHONE_ID}/gibtsnicht").json()["error"]["code"] == 2500
    )


@pytest.mark.parametrize(
    ("payload", "code", "details"),
    [
        ("kein json", 100, "must be a JSON object"),
        ({"to": None}, 100, "parameter to is required"),
        ({"messaging_product": "sms"}, 100, "messaging_product"),
        ({"type": "fax", "fax": {}}, 100, 'got "fax"'),
        ({"type": "text"}, 100, "parameter text is required"),
        ({"text": {"body": "x" * 4097}}, 100, "at most 4096 characters"),
        ({"type": "image", "image": {}}, 100, "exactly one of the fields id or link"),
        ({"type": "image", "image": {"id": "123"}}, 131009, "not a valid media id"),
        ({"type": "location", "location": {"latitude": "Nord"}}, 100, "longitude"),
        (
            {
                "type": "interactive",
                "interactive": {
                    "type": "button",
                    "body": {"text": "Wählen Sie"},
                    "action": {
                        "buttons": [
                            {"type": "reply", "reply": {"id": str(i), "title": "B"}}
                            for i in range(4)
                        ]
                    },
                },
            },
            131009,
            "between 1 and 3",
        ),
    ],
)
def test_invalid_send_bodies_are_rejected_with_details(
    emulator, payload, code, details
):
    if isinstance(payload, str):
        response = emulator.graph("POST", f"{PHONE_ID}/messages", content=payload)
    else:
        response = emulator.send(payload)
    error = meta_error(response, code)
    assert details in error["error_data"]["details"]


# Sending: window, limits, templates


def test_free_form_needs_a_customer_message_in_the_last_24_hours(emulator):
    error = meta_error(emulator.send_text(), 131047)
    assert error["message"] == "(#131047) Re-engagement message"
    assert "24 hours" in error["error_data"]["details"]
    emulator.inject(text="Hallo, ich habe eine Frage.")
    assert emulator.send_text().status_code == 200
    emulator.clock(advance_seconds=24 * 60 * 60 + 1)
    meta_error(emulator.send_text(), 131047)


def test_send_answers_like_meta_with_unique_wamids(emulator):
    emulator.open_window()
    response = emulator.send_text(to="+49 151 12345678")
    assert response.status_code == 200
    body = response.json()
    assert body["contacts"] == [{"input": "+49 151 12345678", "wa_id": CUSTOMER}]
    assert list(body) == ["messaging_product", "contacts", "messages"]
    ids = {emulator.send_text().json()["messages"][0]["id"] for _ in range(5)}
    ids.add(body["messages"][0]["id"])
    assert len(ids) == 6 and all(i.startswith("wamid.") for i in ids)
    sent = emulator.admin("GET", "messages", params={"to": CUSTOMER})["data"]
    assert {m["id"] for m in sent} == ids
    assert sent[0]["body"]["text"] == {"body": "Hallo!"}


@pytest.mark.parametrize(
    "payload",
    [
        {
            "type": "image",
            "image": {"link": "https://example.com/a.jpg", "caption": "A"},
        },
        {"type": "audio", "audio": {"link": "https://example.com/a.ogg"}},
        {"type": "video", "video": {"link": "https://example.com/a.mp4"}},
        {
            "type": "document",
            "document": {"link": "https://example.com/a.pdf", "filename": "a.pdf"},
        },
        {"type": "sticker", "sticker": {"link": "https://example.com/a.webp"}},
        {
            "type": "location",
            "location": {"latitude": 52.5, "longitude": 13.4, "name": "Büro"},
        },
        {"type": "contacts", "contacts": [{"name": {"formatted_name": "Max Muster"}}]},
        {
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": {"text": "Wann passt es?"},
                "action": {
                    "button": "Termine",
                    "sections": [
                        {"title": "Mai", "rows": [{"id": "m1", "title": "1. Mai"}]}
                    ],
                },
            },
        },
        {"type": "reaction", "reaction": {"message_id": "wamid.X", "emoji": "👍"}},
        {
            "type": "text",
            "text": {"body": "Antwort"},
            "context": {"message_id": "wamid.X"},
        },
    ],
)
def test_every_message_type_can_be_sent(emulator, payload):
    emulator.open_window()
    assert emulator.send(payload).status_code == 200


def test_throughput_over_the_numbers_mps_is_130429(make_emulator):
    emulator = make_emulator(THROUGHPUT_MPS=3)
    emulator.clock(freeze=True)
    answers = [emulator.send_template(to=f"49151000000{i}") for i in range(4)]
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    meta_error(answers[3], 130429)
    emulator.clock(advance_seconds=1)
    assert emulator.send_template(to="491510000009").status_code == 200


def test_pair_rate_limit_is_131056_and_refills_after_6_seconds(make_emulator):
    emulator = make_emulator(PAIR_RATE_BURST=2)
    emulator.clock(freeze=True)
    assert [emulator.send_template().status_code for _ in range(2)] == [200, 200]
    error = meta_error(emulator.send_template(), 131056)
    assert "same phone number" in error["error_data"]["details"]
    assert emulator.send_template(to="491709999999").status_code == 200
    emulator.clock(advance_seconds=6)
    assert emulator.send_template().status_code == 200


def test_templates_must_exist_and_be_approved_in_that_language(emulator):
    error = meta_error(emulator.send_template(language="de"), 132001)
    assert (
        error["error_data"]["details"]
        == "template name (hello_world) does not exist in de"
    )
    meta_error(emulator.send_template(name="gibt_es_nicht"), 132001)
    # Templates need no open service window.
    assert emulator.send_template().status_code == 200


def test_template_parameters_must_match_the_template(emulator):
    def body(*texts, **named):
        params = [{"type": "text", "text": t} for t in texts]
        params += [
            {"type": "text", "parameter_name": k, "text": v} for k, v in named.items()
        ]
        return [{"type": "body", "parameters": params}]

    error = meta_error(
        emulator.send_template("termin_erinnerung", "de", body("Erika")), 132000
    )
    assert error["error_data"]["details"] == (
        "body: number of localizable_params (1) does not match the expected number of params (2)"
    )
    ok = emulator.send_template("termin_erinnerung", "de", body("Erika", "12. Mai"))
    assert ok.status_code == 200
    named = emulator.send_template("anfrage_bestaetigung", "de", body(vorname="Erika"))
    assert named.status_code == 200
    meta_error(
        emulator.send_template("anfrage_bestaetigung", "de", body(name="E")), 132000
    )


# Media


def test_media_upload_info_download_expiry_and_delete(emulator):
    media_id = emulator.upload().json()["id"]
    info = emulator.graph("GET", media_id).json()
    assert info == {
        "messaging_product": "whatsapp",
        "url": info["url"],
        "mime_type": "image/png",
        "sha256": hashlib.sha256(PNG).hexdigest(),
        "file_size": len(PNG),
        "id": media_id,
    }
    assert info["url"].startswith(emulator.url + "/whatsapp_business/attachments/?")
    assert httpx.get(info["url"]).status_code == 401
    download = httpx.get(info["url"], headers=AUTH)
    assert download.content == PNG and download.headers["Content-Type"] == "image/png"

    emulator.clock(advance_seconds=5 * 60 + 1)
    assert httpx.get(info["url"], headers=AUTH).status_code == 404
    fresh = emulator.graph("GET", media_id).json()["url"]
    assert httpx.get(fresh, headers=AUTH).status_code == 200

    assert emulator.graph("DELETE", media_id).json() == {"success": True}
    assert emulator.graph("GET", media_id).json()["error"]["code"] == 100


def test_uploaded_media_can_be_sent_by_id(emulator):
    emulator.open_window()
    media_id = emulator.upload().json()["id"]
    assert (
        emulator.send({"type": "image", "image": {"id": media_id}}).status_code == 200
    )


def test_media_upload_rejects_unsupported_types(emulator):
    error = meta_error(emulator.upload(b"<html>", "text/html"), 131053)
    assert "text/html" in error["error_data"]["details"]


def test_inbound_media_is_downloadable_by_the_business(emulator):
    data = b"%PDF-1.4 Angebot"
    result = emulator.inject(
        type="document",
        data_base64=base64.b64encode(data).decode(),
        filename="Angebot.pdf",
    )
    document = value_of(result["webhook"])["messages"][0]["document"]
    url = emulator.graph("GET", document["id"]).json()["url"]
    assert httpx.get(url, headers=AUTH).content == data
    assert (
        document["sha256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    )


# Templates


def test_template_list_pages_with_cursors_and_fields(emulator):
    path = f"{WABA_ID}/message_templates"
    page = emulator.graph(
        "GET", path, params={"limit": 3, "fields": "name,status"}
    ).json()
    assert len(page["data"]) == 3 and set(page["data"][0]) == {"name", "status", "id"}
    assert set(page["paging"]["cursors"]) == {"before", "after"}
    names = [t["name"] for t in page["data"]]
    second = httpx.get(page["paging"]["next"], headers=AUTH).json()
    names += [t["name"] for t in second["data"]]
    assert "next" not in second["paging"] and "previous" in second["paging"]
    assert names == [t["name"] for t in emulator.graph("GET", path).json()["data"]]
    assert len(set(names)) == 4
    full = emulator.graph("GET", path, params={"name": "hello_world"}).json()["data"]
    assert set(full[0]) >= {
        "name",
        "language",
        "status",
        "category",
        "components",
        "id",
    }


def test_created_template_is_pending_then_approved_with_a_webhook(emulator, receiver):
    create = {
        "name": "rueckruf_angebot",
        "language": "de",
        "category": "MARKETING",
        "components": [
            {"type": "BODY", "text": "Hallo {{1}}, wann dürfen wir anrufen?"}
        ],
    }
    response = emulator.graph("POST", f"{WABA_ID}/message_templates", json=create)
    template_id = response.json()["id"]
    assert response.json() == {
        "id": template_id,
        "status": "PENDING",
        "category": "MARKETING",
    }
    emulator.wait_idle()
    (webhook,) = receiver.bodies()
    entry = webhook["entry"][0]
    assert entry["id"] == WABA_ID and isinstance(entry["time"], int)
    assert entry["changes"][0]["field"] == "message_template_status_update"
    assert entry["changes"][0]["value"] == {
        "event": "APPROVED",
        "message_template_id": int(template_id),
        "message_template_name": "rueckruf_angebot",
        "message_template_language": "de",
        "reason": "NONE",
        "message_template_category": "MARKETING",
    }
    assert receiver.received[0].signed_with(SECRET)
    assert emulator.graph("GET", template_id, params={"fields": "status"}).json() == {
        "status": "APPROVED",
        "id": template_id,
    }
    again = emulator.graph("POST", f"{WABA_ID}/message_templates", json=create)
    assert again.json()["error"]["code"] == 100


def test_pending_templates_cannot_be_sent_until_approved(make_emulator):
    emulator = make_emulator(TEMPLATE_APPROVAL_DELAY=None)
    create = {
        "name": "neu",
        "language": "de",
        "category": "UTILITY",
        "components": [{"type": "BODY", "text": "Hallo"}],
    }
    template_id = emulator.graph(
        "POST", f"{WABA_ID}/message_templates", json=create
    ).json()["id"]
    meta_error(emulator.send_template("neu", "de"), 132001)
    emulator.admin(
        "POST", f"templates/{template_id}/status", json={"event": "APPROVED"}
    )
    assert emulator.send_template("neu", "de").status_code == 200


# Status webhooks


def test_each_sent_message_gets_sent_delivered_read_webhooks(emulator, receiver):
    emulator.open_window()
    started = time.monotonic()
    wamid = emulator.send_text().json()["messages"][0]["id"]
    emulator.wait_idle()
    received = receiver.wait_for(3)
    statuses = receiver.statuses()
    assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
    assert received[2].at - started >= 0.03  # the configured read delay
    assert all(s["id"] == wamid and s["recipient_id"] == CUSTOMER for s in statuses)
    assert all(s["timestamp"].isdigit() for s in statuses)
    assert statuses[0]["pricing"] == {
        "billable": False,
        "pricing_model": "PMP",
        "type": "free_customer_service",
        "category": "service",
    }
    assert "pricing" in statuses[1] and "pricing" not in statuses[2]
    assert not any("conversation" in s for s in statuses)  # v24.0+
    body = receiver.bodies()[0]
    assert body["object"] == "whatsapp_business_account"
    assert body["entry"][0]["id"] == WABA_ID
    assert body["entry"][0]["changes"][0]["field"] == "messages"
    assert value_of(body)["metadata"] == {
        "display_phone_number": "49301234567",
        "phone_number_id": PHONE_ID,
    }
    assert all(entry.signed_with(SECRET) for entry in received)
    sent = emulator.admin("GET", "messages")["data"][0]
    assert sent["statuses"] == ["sent", "delivered", "read"]


def test_the_read_status_can_be_turned_off(make_emulator, receiver):
    emulator = make_emulator(
        STATUS_DELAYS={"sent": 0.01, "delivered": 0.02, "read": None}
    )
    emulator.send_template()
    emulator.wait_idle()
    assert [s["status"] for s in receiver.statuses()] == ["sent", "delivered"]
    assert receiver.statuses()[0]["pricing"]["type"] == "regular"


def test_older_api_versions_get_a_conversation_on_sent(emulator, receiver):
    body = {"messaging_product": "whatsapp", "to": CUSTOMER, "type": "template"}
    body["template"] = {"name": "hello_world", "language": {"code": "en_US"}}
    emulator.http.post(f"/v23.0/{PHONE_ID}/messages", json=body, headers=AUTH)
    emulator.wait_idle()
    sent = receiver.statuses()[0]
    assert set(sent["conversation"]) == {"id", "expiration_timestamp", "origin"}
    assert sent["conversation"]["origin"] == {"type": "utility"}


def test_reactions_only_get_a_sent_status(emulator, receiver):
    emulator.open_window()
    emulator.send(
        {"type": "reaction", "reaction": {"message_id": "wamid.X", "emoji": "❤"}}
    )
    emulator.wait_idle()
    assert [s["status"] for s in receiver.statuses()] == ["sent"]


def test_mark_as_read(emulator):
    first = emulator.inject(text="Eins", deliver=False)["message_id"]
    second = emulator.inject(text="Zwei", deliver=False)["message_id"]
    read = {"messaging_product": "whatsapp", "status": "read", "message_id": second}
    answer = emulator.graph("POST", f"{PHONE_ID}/messages", json=read)
    assert answer.json() == {"success": True}
    inbound = emulator.admin("GET", "inbound")["data"]
    assert {m["id"]: m["read"] for m in inbound} == {first: True, second: True}
    read["message_id"] = "wamid.unbekannt"
    meta_error(emulator.graph("POST", f"{PHONE_ID}/messages", json=read), 100)


def test_injected_failed_status_carries_meta_errors(emulator, receiver):
    emulator.admin(
        "PATCH", "settings", json={"STATUS_DELAYS": {"delivered": None, "read": None}}
    )
    wamid = emulator.send_template().json()["messages"][0]["id"]
    answer = emulator.admin(
        "POST",
        "statuses",
        json={"message_id": wamid, "status": "failed", "error_code": 131049},
    )
    emulator.wait_idle()
    failed = receiver.statuses()[-1]
    assert failed == value_of(answer["webhook"])["statuses"][0]
    assert failed["status"] == "failed" and "pricing" not in failed
    (error,) = failed["errors"]
    assert error["code"] == 131049 and error["title"] == error["message"]
    assert error["error_data"]["details"] and error["href"]


# Inbound messages

EDITED = {"type": "text", "text": {"body": "Neu"}}
CARD = {
    "name": {
        "formatted_name": "Max Muster",
        "first_name": "Max",
        "last_name": "Muster",
    },
    "phones": [{"phone": "+49 170 1234567", "wa_id": "491701234567", "type": "CELL"}],
}
# (kind asked for, its parameters, messages[].type, expected part of its payload)
INBOUND = [
    ("text", {"text": "Grüße"}, "text", {"body": "Grüße"}),
    ("referral", {"text": "Anzeige"}, "text", {"body": "Anzeige"}),
    (
        "image",
        {"caption": "Foto"},
        "image",
        {"caption": "Foto", "mime_type": "image/png"},
    ),
    ("audio", {}, "audio", {"mime_type": "audio/mpeg", "voice": False}),
    ("voice", {}, "audio", {"mime_type": "audio/ogg; codecs=opus", "voice": True}),
    ("video", {}, "video", {"mime_type": "video/mp4"}),
    ("document", {}, "document", {"filename": "Angebot.pdf"}),
    ("sticker", {}, "sticker", {"mime_type": "image/webp", "animated": False}),
    ("location", {"latitude": 48.1}, "location", {"latitude": 48.1}),
    ("contacts", {"contact_name": "Max Muster"}, "contacts", [CARD]),
    (
        "button_reply",
        {"reply_id": "ja", "title": "Ja"},
        "interactive",
        {"type": "button_reply", "button_reply": {"id": "ja", "title": "Ja"}},
    ),
    (
        "list_reply",
        {"reply_id": "m1", "title": "1. Mai", "description": "vormittags"},
        "interactive",
        {"list_reply": {"id": "m1", "title": "1. Mai", "description": "vormittags"}},
    ),
    (
        "nfm_reply",
        {"response": {"zustimmung": True}},
        "interactive",
        {
            "nfm_reply": {
                "response_json": '{"zustimmung": true}',
                "body": "Sent",
                "name": "flow",
            }
        },
    ),
    (
        "button",
        {"payload": "P1", "text": "Ja"},
        "button",
        {"payload": "P1", "text": "Ja"},
    ),
    ("reaction", {"message_id": "wamid.A"}, "reaction", {"emoji": "👍"}),
    ("reaction", {"message_id": "wamid.A", "remove": True}, "reaction", {"emoji": ""}),
    ("order", {}, "order", {"catalog_id": "1234567890"}),
    ("unsupported", {}, "unsupported", {"type": "poll_update"}),
    (
        "revoke",
        {"original_message_id": "wamid.A"},
        "revoke",
        {"original_message_id": "wamid.A"},
    ),
    (
        "edit",
        {"original_message_id": "wamid.A", "text": "Neu"},
        "edit",
        {"message": EDITED},
    ),
]


@pytest.mark.parametrize(("kind", "params", "message_type", "expected"), INBOUND)
def test_inbound_messages_of_every_type_arrive_signed_in_metas_shape(
    emulator, receiver, kind, params, message_type, expected
):
    result = emulator.inject(type=kind, **params)
    (received,) = receiver.wait_for(1)
    assert received.signed_with(SECRET)
    assert received.headers["Content-Type"] == "application/json"
    assert received.json() == result["webhook"]
    value = value_of(received.json())
    assert value["messaging_product"] == "whatsapp"
    assert value["contacts"] == [{"profile": {"name": NAME}, "wa_id": CUSTOMER}]
    (message,) = value["messages"]
    assert message["from"] == CUSTOMER and message["id"] == result["message_id"]
    assert message["timestamp"].isdigit() and message["type"] == message_type
    payload = message[message_type]
    if isinstance(expected, list):
        assert payload == expected
    else:
        assert expected.items() <= payload.items()
    if message_type in MEDIA_TYPES:
        assert re.fullmatch(r"\d{16}", payload["id"]) and payload["sha256"]
    if kind == "referral":
        assert message["referral"]["source_type"] == "ad"
    if kind == "unsupported":
        assert message["errors"][0]["code"] == 131051


def test_webhook_bytes_are_escaped_like_meta(emulator, receiver):
    emulator.inject(text="Grüße aus Köln/Bonn 😀")
    body = receiver.wait_for(1)[0].body
    assert body.isascii() and b"\\u00fc" in body and b"K\\u00f6ln\\/Bonn" in body
    assert b'":"' in body and b", " not in body  # compact separators


@pytest.mark.parametrize(
    ("params", "context"),
    [
        ({"reply_to": "wamid.B"}, {"from": "49301234567", "id": "wamid.B"}),
        ({"forwarded": True}, {"forwarded": True}),
        ({"frequently_forwarded": True}, {"frequently_forwarded": True}),
    ],
)
def test_inbound_context_for_replies_and_forwards(emulator, params, context):
    result = emulator.inject(text="Antwort", deliver=False, **params)
    assert value_of(result["webhook"])["messages"][0]["context"] == context


def test_system_number_change_comes_without_contacts(emulator, receiver):
    emulator.inject(type="system", new_wa_id="4915199999999")
    value = value_of(receiver.wait_for(1)[0].json())
    assert "contacts" not in value
    system = value["messages"][0]["system"]
    assert (
        system["type"] == "user_changed_number" and system["wa_id"] == "4915199999999"
    )


def test_bsuid_only_senders_have_a_username_and_no_wa_id(emulator, receiver):
    result = emulator.inject(
        bsuid_only=True, username="erika.m", user_id="DE.1234567890"
    )
    value = value_of(result["webhook"])
    assert value["contacts"] == [
        {
            "profile": {"name": "Erika Mustermann", "username": "erika.m"},
            "user_id": "DE.1234567890",
        }
    ]
    message = value["messages"][0]
    assert message["from_user_id"] == "DE.1234567890" and "from" not in message
    answer = emulator.send(
        {"to": None, "recipient": "DE.1234567890", "text": {"body": "Hallo"}}
    )
    assert answer.json()["contacts"] == [
        {"input": "DE.1234567890", "user_id": "DE.1234567890"}
    ]
    emulator.wait_idle()
    assert receiver.statuses()[0]["recipient_user_id"] == "DE.1234567890"


def test_other_fields_have_time_and_no_metadata(emulator, receiver):
    value = {"phone_number": "49301234567", "event": "VERIFIED_ACCOUNT"}
    answer = emulator.admin(
        "POST",
        "events",
        json={"waba_id": WABA_ID, "field": "account_update", "value": value},
    )
    entry = receiver.wait_for(1)[0].json()["entry"][0]
    assert entry == answer["webhook"]["entry"][0]
    assert isinstance(entry["time"], int) and entry["changes"] == [
        {"value": value, "field": "account_update"}
    ]
    preferences = {
        "user_preferences": [
            {
                "wa_id": CUSTOMER,
                "detail": "",
                "category": "marketing_messages",
                "value": "stop",
                "timestamp": 1,
            }
        ]
    }
    answer = emulator.admin(
        "POST",
        "events",
        json={
            "phone_number_id": PHONE_ID,
            "field": "user_preferences",
            "value": preferences,
        },
    )
    assert value_of(answer["webhook"])["metadata"]["phone_number_id"] == PHONE_ID


# Fault injection and delivery


def test_graph_error_faults_answer_the_next_requests_then_recover(emulator):
    emulator.fault("graph_error", count=2, status=503)
    for _ in range(2):
        error = emulator.graph("GET", PHONE_ID)
        assert error.status_code == 503 and error.json()["error"]["code"] == 2
    assert emulator.graph("GET", PHONE_ID).status_code == 200
    emulator.fault("graph_error", code=131000, match="/messages")
    assert emulator.graph("GET", PHONE_ID).status_code == 200  # does not match
    assert meta_error(emulator.send_template(), 131000, status=500)
    emulator.fault("graph_error", status=502, raw_body="<html>Bad Gateway</html>")
    proxy = emulator.graph("GET", PHONE_ID)
    assert proxy.status_code == 502 and proxy.text == "<html>Bad Gateway</html>"


def test_graph_delay_fault_makes_clients_time_out(emulator):
    emulator.fault("graph_delay", delay=0.5)
    with pytest.raises(httpx.ReadTimeout):
        emulator.graph("GET", PHONE_ID, timeout=0.1)
    assert emulator.graph("GET", PHONE_ID).status_code == 200


def test_unknown_fault_kinds_are_refused(emulator):
    response = emulator.http.post("/_admin/faults", json={"kind": "meteor"})
    assert (
        response.status_code == 400
        and "kind must be one of" in response.json()["error"]
    )


def test_webhooks_are_retried_until_answered_with_200(emulator, receiver):
    receiver.failures = [500, 503]
    emulator.inject(text="Hallo")
    emulator.wait_idle()
    first, second, third = receiver.received
    assert first.body == second.body == third.body
    (record,) = emulator.admin("GET", "webhooks")["data"]
    assert [a["status_code"] for a in record["attempts"]] == [500, 503, 200]
    assert record["state"] == "delivered"


def test_webhook_delivery_gives_up_after_bounded_retries(emulator, receiver):
    receiver.failures = [500] * 10
    emulator.inject(text="Hallo")
    emulator.wait_idle()
    assert len(receiver.received) == 4  # first try plus three configured retries
    assert emulator.admin("GET", "webhooks")["data"][0]["state"] == "failed"


def test_duplicate_delivery_fault(emulator, receiver):
    emulator.fault("webhook_duplicate", copies=3)
    emulator.inject(text="Hallo")
    emulator.wait_idle()
    assert len(receiver.received) == 3 and len({r.body for r in receiver.received}) == 1


def test_out_of_order_fault_delivers_read_before_sent(emulator, receiver):
    emulator.fault("webhook_out_of_order")
    emulator.send_template()
    emulator.wait_idle()
    assert [s["status"] for s in receiver.statuses()] == ["read", "delivered", "sent"]


def test_malformed_payload_fault_is_still_correctly_signed(emulator, receiver):
    emulator.fault("webhook_malformed")
    emulator.inject(text="Hallo")
    (received,) = receiver.wait_for(1)
    with pytest.raises(ValueError):
        received.json()
    assert received.signed_with(SECRET)


def test_bad_signature_fault(emulator, receiver):
    emulator.fault("webhook_bad_signature")
    emulator.inject(text="Eins")
    emulator.inject(text="Zwei")
    first, second = receiver.wait_for(2)
    assert not first.signed_with(SECRET) and second.signed_with(SECRET)


def test_webhook_delay_fault(emulator, receiver):
    emulator.fault("webhook_delay", delay=0.3)
    started = time.monotonic()
    emulator.inject(text="Hallo")
    assert receiver.wait_for(1)[0].at - started >= 0.3


def test_flush_delivers_scheduled_webhooks_at_once_in_order(make_emulator, receiver):
    emulator = make_emulator(STATUS_DELAYS={"sent": 60, "delivered": 120, "read": 180})
    emulator.send_template()
    started = time.monotonic()
    answer = emulator.admin("POST", "webhooks/flush", json={"timeout": 5})
    assert answer == {"idle": True, "pending": 0} and time.monotonic() - started < 5
    assert [s["status"] for s in receiver.statuses()] == ["sent", "delivered", "read"]


def test_waiting_reports_pending_work_on_timeout(make_emulator):
    emulator = make_emulator(STATUS_DELAYS={"sent": 60})
    emulator.send_template()
    response = emulator.http.post("/_admin/webhooks/wait", json={"timeout": 0.05})
    assert response.status_code == 504 and response.json()["pending"] >= 1


# Admin API


def test_admin_registers_numbers_and_seeds_their_templates(emulator):
    number = {
        "phone_number_id": "333",
        "waba_id": "444",
        "access_token": "t2",
        "app_secret": "s2",
    }
    assert emulator.admin("POST", "numbers", json=number)["verified_name"]
    assert emulator.graph("GET", "333", token="t2").status_code == 200
    assert emulator.graph("GET", "333").status_code == 401  # another WABA's token
    templates = emulator.graph("GET", "444/message_templates", token="t2")
    assert len(templates.json()["data"]) == 4
    update = emulator.admin(
        "POST", "numbers", json={"phone_number_id": "333", "quality_rating": "YELLOW"}
    )
    assert update["quality_rating"] == "YELLOW" and update["access_token"] == "t2"
    missing = emulator.http.post("/_admin/numbers", json={"phone_number_id": "555"})
    assert missing.status_code == 400 and "waba_id" in missing.json()["error"]
    emulator.admin("POST", "reset")
    numbers = emulator.admin("GET", "numbers")["data"]
    assert [n["phone_number_id"] for n in numbers] == [PHONE_ID]


def test_admin_settings_can_be_read_and_changed(emulator):
    changed = emulator.admin(
        "PATCH", "settings", json={"THROUGHPUT_MPS": 5, "STATUS_DELAYS": {"read": None}}
    )
    assert changed["THROUGHPUT_MPS"] == 5
    assert changed["STATUS_DELAYS"] == {"sent": 0.01, "delivered": 0.02, "read": None}
    assert emulator.http.patch("/_admin/settings", json={"NOPE": 1}).status_code == 400


def test_webhook_verification_handshake(emulator):
    assert (
        emulator.admin("POST", f"numbers/{PHONE_ID}/verify-webhook")["verified"] is True
    )
    wrong = emulator.admin(
        "POST", f"numbers/{PHONE_ID}/verify-webhook", json={"verify_token": "x"}
    )
    assert wrong["verified"] is False and wrong["status_code"] == 403


# The "Kundenhandy"


def visible_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_phone_page_is_german_labelled_and_csp_clean(emulator):
    page = emulator.http.get("/phone")
    html = page.text
    assert page.status_code == 200 and '<html lang="de">' in html
    assert (
        "Kundenhandy" in html
        and "Standort senden" in html
        and "Beispielbild senden" in html
    )
    for field_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
        assert f'<label for="{field_id}"' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and "<style" not in html
    assert not re.search(r"\s(?:style|on[a-z]+)=", html)  # no inline styles/handlers
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        assert emulator.http.get(asset).status_code == 200


def test_phone_text_is_delivered_as_a_signed_webhook(emulator, receiver):
    form = {
        "number": PHONE_ID,
        "name": "Max Muster",
        "wa_id": "+49 170 5550000",
        "text": "Hallo LeadGate",
    }
    response = emulator.http.post(
        "/phone/send", data=form, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'id="chat"' in response.text and 'hx-swap-oob="true"' in response.text
    assert "Hallo LeadGate" in response.text
    (received,) = receiver.wait_for(1)
    assert received.signed_with(SECRET)
    value = value_of(received.json())
    assert value["contacts"] == [
        {"profile": {"name": "Max Muster"}, "wa_id": "491705550000"}
    ]
    assert value["messages"][0]["text"] == {"body": "Hallo LeadGate"}
    plain = emulator.http.post("/phone/send", data=form)
    assert plain.status_code == 302 and "/phone?" in plain.headers["Location"]
    empty = emulator.http.post(
        "/phone/send", data={**form, "text": " "}, headers={"HX-Request": "true"}
    )
    assert empty.status_code == 422 and empty.headers["HX-Retarget"] == "#compose"


def test_phone_shows_business_messages_and_replies_to_buttons(emulator, receiver):
    me = {"number": PHONE_ID, "name": "Erika", "wa_id": CUSTOMER}
    emulator.http.post("/phone/location", data=me)
    emulator.http.post("/phone/image", data=me)
    buttons = [{"type": "reply", "reply": {"id": "rueckruf", "title": "Rückruf"}}]
    interactive = {
        "type": "button",
        "body": {"text": "Wie dürfen wir helfen?"},
        "action": {"buttons": buttons},
    }
    emulator.send({"type": "interactive", "interactive": interactive})
    wamid = emulator.send_template(
        "termin_erinnerung",
        "de",
        [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Erika"},
                    {"type": "text", "text": "Montag"},
                ],
            }
        ],
    ).json()["messages"][0]["id"]
    emulator.send(
        {"type": "reaction", "reaction": {"message_id": wamid, "emoji": "👍"}}
    )
    emulator.wait_idle()
    chat = emulator.http.get("/phone/chat", params=me).text
    text = visible_text(chat)
    assert "Brandenburger Tor" in text and "Wie dürfen wir helfen?" in text
    assert "Hallo Erika, wir erinnern Sie an Ihren Termin am Montag." in text
    assert (
        "Vorlage „termin_erinnerung“ (de)" in text
        and "👍" in text
        and "gelesen" in text
    )
    image = re.search(r'<img class="bubble-image" src="([^"]+)"', chat).group(1)
    assert emulator.http.get(image).content.startswith(b"\x89PNG")
    reply = {
        **me,
        "reply_type": "button_reply",
        "reply_id": "rueckruf",
        "title": "Rückruf",
        "context": "wamid.Q",
    }
    emulator.http.post("/phone/reply", data=reply, headers={"HX-Request": "true"})
    emulator.wait_idle()
    message = value_of(receiver.bodies()[-1])["messages"][0]
    assert message["interactive"]["button_reply"] == {
        "id": "rueckruf",
        "title": "Rückruf",
    }
    assert message["context"]["id"] == "wamid.Q"


def test_mounted_under_a_prefix_every_url_keeps_the_prefix(receiver):
    app = create_emulator_app(emulator_config(receiver.url))
    host = DispatcherMiddleware(Response("LeadGate"), {"/_emulator": app})
    server = LiveServer(host)
    try:
        base = server.url + "/_emulator"
        assert httpx.get(base + "/").headers["Location"].endswith("/_emulator/phone")
        page = httpx.get(base + "/phone").text
        assert 'action="/_emulator/phone/send"' in page
        assert "/_emulator/static/emulator/phone.css" in page
        uploaded = httpx.post(
            f"{base}/v25.0/{PHONE_ID}/media",
            headers=AUTH,
            data={"messaging_product": "whatsapp"},
            files={"file": ("a.png", PNG, "image/png")},
        ).json()["id"]
        url = httpx.get(f"{base}/v25.0/{uploaded}", headers=AUTH).json()["url"]
        assert url.startswith(base + "/whatsapp_business/attachments/")
        assert httpx.get(url, headers=AUTH).content == PNG
    finally:
        emulator_of(app).stop()
        server.stop()
