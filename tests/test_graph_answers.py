"""Whatever the Graph API answers, LeadGate ends in a defined state (client.py).

The client trusted the shape of Meta's answers: an error body whose `error` was
no object, a proxy's page, JSON nested too deeply or an array raised
AttributeError or RecursionError instead of WhatsAppError, so a send job
crashed after marking its message `sending`; a 2xx it could not read counted as
"not received" and the message was sent again. And values from Graph answers
went into bounded columns unchecked: a mime type, a template's fields, the
number's details (whatsapp/payloads/limits.py has the rules).
"""

import hashlib
import json
import logging
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update
from werkzeug.wrappers import Request, Response

from leadgate.extensions import db
from leadgate.media import download_media
from leadgate.models import Channel, Message, MessageTemplate, SendAttempt, utcnow
from leadgate.outbound.delivery import deliver_due
from leadgate.outbound.reasons import UNCONFIRMED
from leadgate.outbound.recovery import sweep_outbound
from leadgate.outbound.templates import sync_templates
from leadgate.whatsapp.client import MAX_TEMPLATE_PAGES, WhatsAppClient, WhatsAppError
from leadgate.whatsapp.payloads.limits import (
    DISPLAY_PHONE,
    MIME_TYPE,
    QUALITY_RATING,
    TEMPLATE_CATEGORY,
    TEMPLATE_ID,
    TEMPLATE_LANGUAGE,
    TEMPLATE_NAME,
    TEMPLATE_STATUS,
    VERIFIED_NAME,
)

from .emulator_support import CUSTOMER, PHONE_ID, SECRET, TOKEN, WABA_ID, LiveServer
from .inbound_support import first_item, post, rows
from .inbox_support import owner_with_payload_channel
from .support import owner_with_channel
from .webhook_fixtures import load_payload, meta_bytes

TIMES = 10  # an over-long value is ten times its column's width
DEEP = b"[" * 100_000 + b"]" * 100_000  # Python's decoder: RecursionError
GRAPH = "https://graph.example/v25.0"


def long_text(length: int) -> str:
    return ("Müller👋" * length)[:length]


# The mapping, unit by unit (httpx.MockTransport, as house style allows).


def answering(status: int, body: bytes) -> WhatsAppClient:
    """A client whose every request gets this answer."""
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            status, content=body, headers={"Content-Type": "application/json"}
        )
    )
    return WhatsAppClient(GRAPH, "token", transport=transport)


def dumps(value) -> bytes:
    return json.dumps(value).encode()


# status, body → Meta's code (None: none), retryable
ERRORS = {
    "proxy-page": (502, b"<html>Bad Gateway</html>", None, True),
    "deep": (500, DEEP, None, True),
    "array": (400, b"[1, 2]", None, True),
    "not-utf-8": (503, b"\xff\xfe\xfd", None, True),
    "error-is-text": (400, dumps({"error": "Invalid"}), None, True),
    "code-is-text": (400, dumps({"error": {"code": "131026"}}), None, True),
    "code-is-bool": (400, dumps({"error": {"code": True}}), None, True),
    "error-data-is-text": (
        400,
        dumps({"error": {"code": 131026, "message": "x", "error_data": "y"}}),
        131026,
        False,
    ),
    "message-is-object": (
        400,
        dumps({"error": {"code": 100, "message": {}}}),
        100,
        False,
    ),
    "token-refused": (401, b"<html>Unauthorized</html>", 0, False),
}


@pytest.mark.parametrize(
    ("status", "body", "code", "retryable"), ERRORS.values(), ids=ERRORS.keys()
)
def test_any_error_answer_becomes_a_whatsapp_error(status, body, code, retryable):
    with pytest.raises(WhatsAppError) as raised:
        answering(status, body).send_message(PHONE_ID, {"to": "+49"})
    error = raised.value
    assert (error.code, error.retryable, error.http_status) == (code, retryable, status)
    assert error.maybe_received is False  # Meta said no (or a proxy did)
    assert isinstance(error.message, str) and error.details is None
    with pytest.raises(WhatsAppError):
        answering(status, body).download(f"{GRAPH}/file", 1000)


def test_meta_s_own_error_body_keeps_its_parts():
    body = {"error": {"code": 131026, "message": "Undeliverable"}}
    body["error"]["error_data"] = {"details": "Message undeliverable"}
    with pytest.raises(WhatsAppError) as raised:
        answering(400, dumps(body)).send_message(PHONE_ID, {})
    error = raised.value
    assert (error.code, error.message, error.details) == (
        131026,
        "Undeliverable",
        "Message undeliverable",
    )


# 2xx bodies a send cannot read: Meta may have taken the message.
UNREADABLE_SENDS = {
    "html": b"<html>OK</html>",
    "array": b"[]",
    "deep": DEEP,
    "no-messages": dumps({"messaging_product": "whatsapp"}),
    "messages-is-text": dumps({"messages": "wamid.x"}),
    "messages-empty": dumps({"messages": []}),
    "id-is-object": dumps({"messages": [{"id": {"x": 1}}]}),
    "id-is-number": dumps({"messages": [{"id": 5}]}),
    "item-is-text": dumps({"messages": ["wamid.x"]}),
}


@pytest.mark.parametrize("body", UNREADABLE_SENDS.values(), ids=UNREADABLE_SENDS.keys())
def test_a_send_answer_without_a_message_id_may_have_been_received(body):
    with pytest.raises(WhatsAppError) as raised:
        answering(200, body).send_message(PHONE_ID, {})
    assert raised.value.maybe_received is True
    assert raised.value.code is None


def test_a_send_answer_s_odd_fields_are_dropped():
    body = {"messages": [{"id": "wamid.A", "message_status": 7}]}
    accepted = answering(200, dumps(body)).send_message(PHONE_ID, {})
    assert (accepted.wamid, accepted.message_status) == ("wamid.A", None)


@pytest.mark.parametrize(
    "body", (b"<html/>", b"[]", DEEP, dumps({"url": 5}), dumps({"id": "1"}))
)
def test_a_media_answer_without_a_url_is_an_error_to_try_again(body):
    with pytest.raises(WhatsAppError) as raised:
        answering(200, body).get_media("1766524397583231")
    assert raised.value.retryable and not raised.value.maybe_received


def test_media_and_number_fields_of_another_type_are_none():
    media = {"url": f"{GRAPH}/f", "mime_type": 7, "sha256": [], "file_size": "12"}
    info = answering(200, dumps(media)).get_media("42")
    assert (info.id, info.mime_type, info.sha256, info.file_size) == (
        "42",
        None,
        None,
        None,
    )
    number = {"verified_name": {}, "display_phone_number": 49, "quality_rating": True}
    info = answering(200, dumps(number)).get_phone_number(PHONE_ID)
    assert info == type(info)(PHONE_ID, None, None, None)


@pytest.mark.parametrize("body", (dumps({"id": 5}), dumps({}), b"[]"))
def test_an_upload_answer_without_a_media_id_is_an_error(body):
    with pytest.raises(WhatsAppError) as raised:
        answering(200, body).upload_media(PHONE_ID, b"x", "image/png", "a.png")
    assert raised.value.retryable


@pytest.mark.parametrize("data", ("x", {"id": "1"}, 5))
def test_a_template_page_without_a_list_is_an_error(data):
    with pytest.raises(WhatsAppError):
        answering(200, dumps({"data": data})).list_templates(WABA_ID)


@pytest.mark.parametrize("repeat", (True, False), ids=("same-cursor", "endless"))
def test_template_paging_ends(repeat):
    pages = []

    def page(request: httpx.Request) -> httpx.Response:
        pages.append(request)
        cursor = "A" if repeat else f"C{len(pages)}"
        paging = {"next": "https://next", "cursors": {"after": cursor}}
        return httpx.Response(200, json={"data": [{"id": "1"}], "paging": paging})

    client = WhatsAppClient(GRAPH, "token", transport=httpx.MockTransport(page))
    with pytest.raises(WhatsAppError):
        client.list_templates(WABA_ID)
    assert len(pages) == (2 if repeat else MAX_TEMPLATE_PAGES)


# End to end: a send against a Graph stand-in that answers garbage.


class StandIn:
    """Plays the Graph API with the answers a test sets; remembers the requests."""

    def __init__(self) -> None:
        self.answers: dict[str, tuple[int, bytes]] = {}  # path ending → answer
        self.requests: list[str] = []
        self.server = LiveServer(self.wsgi)
        self.url = self.server.url

    def answer(self, ending: str, status: int, body: bytes) -> None:
        self.answers[ending] = (status, body)

    def wsgi(self, environ, start_response):
        request = Request(environ)
        request.get_data()
        self.requests.append(f"{request.method} {request.path}")
        status, body = next(
            (a for end, a in self.answers.items() if request.path.endswith(end)),
            (404, dumps({"error": {"code": 100, "message": "Unknown path"}})),
        )
        response = Response(body, status=status, mimetype="application/json")
        return response(environ, start_response)

    def sends(self) -> int:
        return sum(r.endswith("/messages") for r in self.requests)


@pytest.fixture
def stand_in(app):
    graph = StandIn()
    app.config["WHATSAPP_GRAPH_URL"] = f"{graph.url}/v25.0"
    yield graph
    graph.server.stop()


@pytest.fixture
def channel_key(app, auth):
    return owner_with_channel(
        app,
        auth,
        phone_number_id=PHONE_ID,
        waba_id=WABA_ID,
        access_token=TOKEN,
        app_secret=SECRET,
        display_phone="+49 30 1234567",
    )


def channel_id(app) -> int:
    return rows(app, select(Channel.id))[0]


def customer_wrote(client, key: str) -> int:
    """The customer writes now (the window is open); their conversation's id."""
    payload = load_payload("text")
    payload["entry"][0]["id"] = WABA_ID
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = PHONE_ID
    payload["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"] = CUSTOMER
    message = first_item(payload, "messages")
    message.update({"from": CUSTOMER, "timestamp": str(int(utcnow().timestamp()))})
    assert post(client, key, meta_bytes(payload), secret=SECRET).status_code == 200
    return rows(client.application, select(Message.conversation_id))[0]


def send_text(client, key: str) -> Message:
    conversation_id = customer_wrote(client, key)
    client.post(f"/inbox/{conversation_id}/messages", data={"text": "Guten Tag!"})
    [message] = rows(
        client.application, select(Message).where(Message.direction == "out")
    )
    return message


def outbound(app) -> Message:
    [message] = rows(app, select(Message).where(Message.direction == "out"))
    return message


@pytest.mark.parametrize("body", UNREADABLE_SENDS.values(), ids=UNREADABLE_SENDS.keys())
def test_a_send_answered_with_garbage_is_settled_and_never_sent_twice(
    client, app, stand_in, channel_key, body
):
    stand_in.answer("/messages", 200, body)
    message = send_text(client, channel_key)
    # Maybe received: no second send; a status webhook or the sweeper decides.
    assert (message.status, message.wamid) == ("sending", None)
    assert rows(app, select(SendAttempt.outcome)) == ["unknown"]
    with app.app_context():
        assert deliver_due(channel_id(app)) == {}
        db.session.execute(
            update(Message).values(sending_since=utcnow() - timedelta(minutes=10))
        )
        db.session.commit()
        assert sweep_outbound()["unconfirmed"] == 1
    assert (outbound(app).status, outbound(app).error_title) == ("failed", UNCONFIRMED)
    assert stand_in.sends() == 1


# status, body → the message's state and its attempt's outcome
REFUSED_SENDS = {
    "proxy-page": (502, b"<html>Bad Gateway</html>", "queued", "retry"),
    "deep": (500, DEEP, "queued", "retry"),
    "error-is-text": (400, dumps({"error": "Invalid"}), "queued", "retry"),
    "array": (400, b"[]", "queued", "retry"),
    "error-data-is-a-list": (
        400,
        dumps({"error": {"code": 131026, "error_data": ["Undeliverable"]}}),
        "failed",
        "failed",
    ),
}


@pytest.mark.usefixtures("patient_backoff")
@pytest.mark.parametrize(
    ("status", "body", "state", "outcome"),
    REFUSED_SENDS.values(),
    ids=REFUSED_SENDS.keys(),
)
def test_a_send_refused_with_garbage_follows_the_retry_rules(
    client, app, stand_in, channel_key, status, body, state, outcome
):
    stand_in.answer("/messages", status, body)
    message = send_text(client, channel_key)
    assert (message.status, message.wamid) == (state, None)
    [attempt] = rows(app, select(SendAttempt))
    assert (attempt.outcome, attempt.http_status) == (outcome, status)
    assert (message.next_attempt_at is not None) == (state == "queued")
    assert stand_in.sends() == 1


# Values from Graph answers in bounded columns.

PDF = b"%PDF-1.4 LeadGate test document\n%%EOF\n"


def test_an_over_long_mime_type_from_graph_is_stored_cut(client, app, stand_in):
    key = owner_with_payload_channel(app)
    payload = load_payload("document")
    media_id = first_item(payload, "messages")["document"]["id"]
    mime_type = "application/" + "x" * (TIMES * MIME_TYPE)
    media = {
        "id": media_id,
        "url": f"{stand_in.url}/file",
        "mime_type": mime_type,
        "sha256": hashlib.sha256(PDF).hexdigest(),
        "file_size": len(PDF),
    }
    stand_in.answer(f"/{media_id}", 200, dumps(media))
    stand_in.answer("/file", 200, PDF)
    # The download runs inline (the test queue): on PostgreSQL its commit failed.
    assert post(client, key, meta_bytes(payload)).status_code == 200
    [message_id] = rows(app, select(Message.id))
    with app.app_context():
        assert download_media(message_id) == "skipped"  # stored already
    [message] = rows(app, select(Message))
    assert (message.media_state, message.media_size) == ("stored", len(PDF))
    assert message.media_mime_type == mime_type[:MIME_TYPE]


def test_over_long_number_details_are_cut_or_not_kept(
    client, app, stand_in, channel_key, caplog
):
    name = long_text(TIMES * VERIFIED_NAME)
    number = {
        "id": PHONE_ID,
        "verified_name": name,
        "display_phone_number": "+49 " + "1" * (TIMES * DISPLAY_PHONE),
        "quality_rating": "GREEN" * (TIMES * QUALITY_RATING),
    }
    stand_in.answer(f"/{PHONE_ID}", 200, dumps(number))
    with caplog.at_level(logging.WARNING, logger="leadgate.channels.services"):
        response = client.post(
            f"/settings/channels/{channel_id(app)}/test", headers={"HX-Request": "true"}
        )
    assert response.status_code == 200
    [channel] = rows(app, select(Channel))
    assert channel.verified_name == name[:VERIFIED_NAME]
    # Shortened, a number would be another number: the one we knew stays.
    assert (channel.display_phone, channel.quality_rating) == ("+49 30 1234567", None)
    assert "display_phone_number longer than" in caplog.text
    assert "quality_rating longer than" in caplog.text
    assert "1111" not in caplog.text  # never the value itself


def template(meta_id, **fields) -> dict:
    item = {"id": meta_id, "name": "willkommen", "language": "de", "status": "APPROVED"}
    return {**item, "category": "UTILITY", **fields}


def test_template_sync_refuses_what_it_cannot_store_whole(
    app, stand_in, channel_key, caplog
):
    with app.app_context():
        workspace_id = db.session.scalar(select(Channel.workspace_id))
        db.session.add(
            MessageTemplate(
                workspace_id=workspace_id,
                waba_id=WABA_ID,
                meta_template_id="2001",
                name="termin",
                language="de",
                status="APPROVED",
            )
        )
        db.session.commit()
    category = long_text(TIMES * TEMPLATE_CATEGORY)
    body_part = {"type": "BODY", "text": "Hallo {{1}}"}
    listed = [
        template("1001", category=category, components=[body_part, "junk"]),
        template("9" * (TIMES * TEMPLATE_ID)),  # an id is never shortened
        template("1003", language="d" * (TIMES * TEMPLATE_LANGUAGE)),
        template("1004", status="A" * (TIMES * TEMPLATE_STATUS)),
        template("1005", name="n" * (TIMES * TEMPLATE_NAME)),  # sends name it
        template({"id": "1006"}),
        template("1007", name=["willkommen"]),
        "junk",
        # Known, but listed with a status too long: kept as it was, not deleted.
        template("2001", name="termin", status="S" * (TIMES * TEMPLATE_STATUS)),
    ]
    stand_in.answer("/message_templates", 200, dumps({"data": listed}))
    with app.app_context(), caplog.at_level(logging.WARNING):
        assert sync_templates(channel_id(app)) == 1
    stored = rows(app, select(MessageTemplate).order_by(MessageTemplate.id))
    assert [(t.meta_template_id, t.status) for t in stored] == [
        ("2001", "APPROVED"),
        ("1001", "APPROVED"),
    ]
    assert stored[1].category == category[:TEMPLATE_CATEGORY]
    assert stored[1].components["components"] == [body_part]
    assert "8 templates refused" in caplog.text
