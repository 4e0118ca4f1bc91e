"""Over-long values from Meta (issue 13): on PostgreSQL nothing fails for them.

SQLite ignores String(n); PostgreSQL raised DataError for a value longer than its
column, the webhook event was marked failed and the customer's message never
reached the inbox. Every webhook value stored in a bounded column is now cut to
fit (display text) or makes its item Rejected (identifiers: a shortened id could
name another message or person) while the rest of the batch applies. The same
holds for what the send path keeps of Meta's answers.
"""

import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from werkzeug.wrappers import Request, Response

from leadgate.extensions import db
from leadgate.models import (
    Channel,
    ChannelEvent,
    Contact,
    Conversation,
    Message,
    MessageStatus,
    MessageTemplate,
    Reaction,
    SendAttempt,
    WebhookEvent,
    utcnow,
)
from leadgate.whatsapp.payloads.limits import width

from .emulator_support import (
    CUSTOMER,
    PHONE_ID,
    PNG,
    SECRET,
    TOKEN,
    WABA_ID,
    EmulatorHarness,
    LiveServer,
    WebhookReceiver,
    emulator_config,
)
from .inbound_support import count, first_item, post, rows
from .inbox_support import owner_with_payload_channel
from .support import owner_with_channel
from .webhook_fixtures import load_payload, meta_bytes

TIMES = 10  # every over-long value is ten times its column's width
# A wa_id is also stored with a "+" as the contact's E.164 number.
WA_ID_BOUND = width(Contact.phone_e164) - len("+")
COMPANION_WAMID = "wamid.companion-in-the-same-body"


def long_text(length: int) -> str:
    # Multi-byte characters: the cut must count characters, as PostgreSQL does.
    return ("Müller👋" * length)[:length]


def long_id(length: int) -> str:
    return ("wamid.HBgN" + "Q" * length)[:length]


def long_digits(length: int) -> str:
    return ("49" + "1" * length)[:length]


def value_of(payload: dict) -> dict:
    return payload["entry"][0]["changes"][0]["value"]


def contact_of(payload: dict) -> dict:
    return value_of(payload)["contacts"][0]


def with_companion(payload: dict) -> dict:
    """The payload plus, in a second entry, a text from someone else."""
    companion = load_payload("text")
    value = value_of(companion)
    value["contacts"] = [{"profile": {"name": "Erika"}, "wa_id": "4917600000001"}]
    message = first_item(companion, "messages")
    message.update({"from": "4917600000001", "id": COMPANION_WAMID})
    return {**payload, "entry": [*payload["entry"], *companion["entry"]]}


def deliver_with_companion(client, key: str, payload: dict) -> None:
    response = post(client, key, meta_bytes(with_companion(payload)))
    assert response.status_code == 200


def assert_applied_and_nothing_failed(app) -> None:
    states = rows(app, select(WebhookEvent.state))
    assert states == ["processed"]
    assert count(app, Message, Message.wamid == COMPANION_WAMID) == 1


@dataclass(frozen=True)
class Rejects:
    """An identifier put in too long; its item is kept as Rejected, not applied."""

    payload: str
    column: object  # the value's length: TIMES this column's width
    put: Callable[[dict, str], None]
    make: Callable[[int], str] = long_id
    absent: object = select(Message.id).where(Message.wamid != COMPANION_WAMID)
    bound: int | None = None  # if not the column's width

    @property
    def limit(self) -> int:
        return self.bound or width(self.column)


def messages(payload: dict) -> dict:
    return first_item(payload, "messages")


def set_sender_wa_id(payload, value):
    messages(payload)["from"] = contact_of(payload)["wa_id"] = value


def set_sender_bsuid(payload, value):
    messages(payload)["from_user_id"] = contact_of(payload)["user_id"] = value


def set_history_customer(payload, value):
    thread = value_of(payload)["history"][0]["threads"][0]
    thread["id"] = thread["messages"][0]["from"] = value


REJECTED = {
    "message-wamid": Rejects(
        "text", Message.wamid, lambda p, v: messages(p).update(id=v)
    ),
    "message-type": Rejects(
        "text", Message.type, lambda p, v: messages(p).update(type=v)
    ),
    "context-id": Rejects(
        "text_reply",
        Message.reply_to_wamid,
        lambda p, v: messages(p)["context"].update(id=v),
    ),
    "media-id": Rejects(
        "document", Message.media_id, lambda p, v: messages(p)["document"].update(id=v)
    ),
    "wa-id": Rejects(
        "text", Contact.wa_id, set_sender_wa_id, long_digits, bound=WA_ID_BOUND
    ),
    "bsuid": Rejects("bsuid_only_sender", Contact.bsuid, set_sender_bsuid),
    "parent-bsuid": Rejects(
        "bsuid_only_sender",
        Contact.parent_bsuid,
        lambda p, v: contact_of(p).update(parent_user_id=v),
    ),
    "username": Rejects(
        "bsuid_only_sender",
        Contact.username,
        lambda p, v: contact_of(p)["profile"].update(username=v),
    ),
    "reaction-target": Rejects(
        "reaction",
        Reaction.target_wamid,
        lambda p, v: messages(p)["reaction"].update(message_id=v),
    ),
    "revoke-target": Rejects(
        "revoke",
        Message.wamid,
        lambda p, v: messages(p)["revoke"].update(original_message_id=v),
    ),
    "new-number": Rejects(
        "system_user_changed_number",
        Contact.wa_id,
        lambda p, v: messages(p)["system"].update(wa_id=v),
        long_digits,
        bound=WA_ID_BOUND,
    ),
    "status-wamid": Rejects(
        "status_delivered",
        MessageStatus.wamid,
        lambda p, v: first_item(p, "statuses").update(id=v),
        absent=select(MessageStatus.id),
    ),
    "status-name": Rejects(
        "status_delivered",
        MessageStatus.status,
        lambda p, v: first_item(p, "statuses").update(status=v),
        absent=select(MessageStatus.id),
    ),
    "template-id": Rejects(
        "template_approved",
        MessageTemplate.meta_template_id,
        lambda p, v: value_of(p).update(message_template_id=v),
        long_digits,
        absent=select(MessageTemplate.id),
    ),
    "template-language": Rejects(
        "template_approved",
        MessageTemplate.language,
        lambda p, v: value_of(p).update(message_template_language=v),
        absent=select(MessageTemplate.id),
    ),
    "template-event": Rejects(
        "template_approved",
        MessageTemplate.status,
        lambda p, v: value_of(p).update(event=v),
        absent=select(MessageTemplate.id),
    ),
    "preference": Rejects(
        "user_preferences_stop",
        Contact.marketing_preference,
        lambda p, v: first_item(p, "user_preferences").update(value=v),
        absent=select(Contact.id).where(Contact.marketing_preference.is_not(None)),
    ),
    "call-id": Rejects(
        "call_connect", Message.wamid, lambda p, v: first_item(p, "calls").update(id=v)
    ),
    "echo-wamid": Rejects(
        "smb_message_echo",
        Message.wamid,
        lambda p, v: first_item(p, "message_echoes").update(id=v),
    ),
    "echo-customer": Rejects(
        "smb_message_echo",
        Contact.wa_id,
        lambda p, v: first_item(p, "message_echoes").update(to=v),
        long_digits,
        bound=WA_ID_BOUND,
    ),
    "history-customer": Rejects(
        "history_media",
        Contact.wa_id,
        set_history_customer,
        long_digits,
        bound=WA_ID_BOUND,
    ),
    "field": Rejects(
        "account_update",
        ChannelEvent.field,
        lambda p, v: p["entry"][0]["changes"][0].update(field=v),
        absent=select(ChannelEvent.id).where(ChannelEvent.field != "rejected"),
    ),
}


@pytest.mark.parametrize("case", REJECTED.values(), ids=REJECTED.keys())
def test_an_over_long_identifier_rejects_its_item_and_the_rest_applies(
    client, app, case
):
    key = owner_with_payload_channel(app)
    payload = load_payload(case.payload)
    value = case.make(TIMES * width(case.column))
    case.put(payload, value)
    deliver_with_companion(client, key, payload)
    assert_applied_and_nothing_failed(app)
    [rejected] = rows(app, select(ChannelEvent).where(ChannelEvent.field == "rejected"))
    assert rejected.value["reason"].endswith(f"longer than {case.limit} characters")
    assert rows(app, case.absent) == []
    # What Meta sent stays: the event's body is kept as it came.
    [body] = rows(app, select(WebhookEvent.body))
    assert value.encode() in body


@dataclass(frozen=True)
class Cuts:
    """Display text put in too long; stored cut to its column's width."""

    payload: str
    column: object
    put: Callable[[dict, str], None]
    stored: object  # the statement that reads the stored value back
    make: Callable[[int], str] = long_text


CUT = {
    "profile-name": Cuts(
        "text",
        Contact.profile_name,
        lambda p, v: contact_of(p)["profile"].update(name=v),
        select(Contact.profile_name).where(Contact.wa_id == "4915112345678"),
    ),
    "mime-type": Cuts(
        "document",
        Message.media_mime_type,
        lambda p, v: messages(p)["document"].update(mime_type=v),
        select(Message.media_mime_type).where(Message.type == "document"),
    ),
    "file-name": Cuts(
        "document",
        Message.media_filename,
        lambda p, v: messages(p)["document"].update(filename=v),
        select(Message.media_filename).where(Message.type == "document"),
    ),
    "emoji": Cuts(
        "reaction",
        Reaction.emoji,
        lambda p, v: messages(p)["reaction"].update(emoji=v),
        select(Reaction.emoji),
        lambda length: "👍" * length,
    ),
    "error-title": Cuts(
        "status_failed",
        Message.error_title,
        lambda p, v: first_item(p, "statuses")["errors"][0].update(title=v),
        select(Message.error_title).where(Message.direction == "out"),
    ),
    "template-name": Cuts(
        "template_approved",
        MessageTemplate.name,
        lambda p, v: value_of(p).update(message_template_name=v),
        select(MessageTemplate.name),
    ),
    "template-category": Cuts(
        "template_approved",
        MessageTemplate.category,
        lambda p, v: value_of(p).update(message_template_category=v),
        select(MessageTemplate.category),
    ),
}


@pytest.mark.parametrize("case", CUT.values(), ids=CUT.keys())
def test_over_long_display_text_is_stored_cut_to_its_column(client, app, case):
    key = owner_with_payload_channel(app)
    payload = load_payload(case.payload)
    if case.payload == "status_failed":
        sent_earlier(app, first_item(payload, "statuses")["id"])
    length = width(case.column)
    value = case.make(TIMES * length)
    case.put(payload, value)
    deliver_with_companion(client, key, payload)
    assert_applied_and_nothing_failed(app)
    assert rows(app, case.stored) == [value[:length]]
    assert count(app, ChannelEvent, ChannelEvent.field == "rejected") == 0


def sent_earlier(app, wamid: str) -> None:
    """The outbound message a status webhook is about, in its own conversation."""
    with app.app_context():
        channel = db.session.scalars(select(Channel)).one()
        contact = Contact(workspace_id=channel.workspace_id, wa_id="16505551234")
        db.session.add(contact)
        db.session.flush()
        conversation = Conversation(
            workspace_id=channel.workspace_id,
            channel_id=channel.id,
            contact_id=contact.id,
        )
        db.session.add(conversation)
        db.session.flush()
        db.session.add(
            Message.of(
                conversation,
                direction="out",
                type="text",
                text="Ihre Bestellung ist unterwegs.",
                wamid=wamid,
                status="sent",
                status_rank=10,
                sent_at=utcnow(),
            )
        )
        db.session.commit()


def test_values_exactly_as_long_as_their_columns_are_kept_whole(client, app):
    key = owner_with_payload_channel(app)
    payload = load_payload("text")
    wamid, name = long_id(width(Message.wamid)), long_text(width(Contact.profile_name))
    number = long_digits(WA_ID_BOUND)
    messages(payload).update({"id": wamid, "from": number})
    contact_of(payload).update({"wa_id": number, "profile": {"name": name}})
    deliver_with_companion(client, key, payload)
    assert_applied_and_nothing_failed(app)
    [contact] = rows(app, select(Contact).where(Contact.profile_name == name))
    assert (contact.wa_id, contact.phone_e164) == (number, f"+{number}")
    assert count(app, Message, Message.wamid == wamid) == 1


def test_an_error_code_no_column_holds_counts_as_unknown(client, app):
    key = owner_with_payload_channel(app)
    payload = load_payload("status_failed")
    status = first_item(payload, "statuses")
    sent_earlier(app, status["id"])
    status["errors"][0]["code"] = 2**40
    deliver_with_companion(client, key, payload)
    assert_applied_and_nothing_failed(app)
    # Like a send error without a code: tried again (a bounded number of times).
    [message] = rows(app, select(Message).where(Message.direction == "out"))
    assert (message.status, message.error_code) == ("queued", None)
    [recorded] = rows(app, select(MessageStatus))
    assert recorded.errors[0]["code"] is None
    assert recorded.errors[0]["title"] == status["errors"][0]["title"]


# The send path: what delivery keeps of Meta's answers.


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


def customer_wrote(client, key: str) -> int:
    """The customer writes now (the window is open); their conversation's id."""
    payload = load_payload("text")
    payload["entry"][0]["id"] = WABA_ID
    value_of(payload)["metadata"]["phone_number_id"] = PHONE_ID
    messages(payload).update({"from": CUSTOMER, "timestamp": str(int(time.time()))})
    contact_of(payload)["wa_id"] = CUSTOMER
    assert post(client, key, meta_bytes(payload), secret=SECRET).status_code == 200
    return rows(client.application, select(Conversation.id))[0]


@pytest.fixture
def emulator(app):
    receiver = WebhookReceiver()
    harness = EmulatorHarness(emulator_config(receiver.url))
    app.config["WHATSAPP_GRAPH_URL"] = f"{harness.url}/v25.0"
    yield harness
    harness.stop()
    receiver.stop()


def test_meta_s_over_long_error_texts_and_odd_code_are_stored_bounded(
    client, app, emulator, channel_key
):
    conversation_id = customer_wrote(client, channel_key)
    details = long_text(TIMES * width(SendAttempt.error_title))
    emulator.fault(
        "graph_error",
        status=400,
        code=2**40,  # no code of Meta's, and none an Integer column holds
        message=long_text(5000),
        details=details,
        match="/messages",
    )
    client.post(f"/inbox/{conversation_id}/messages", data={"text": "Guten Tag!"})
    [attempt] = rows(app, select(SendAttempt))
    assert attempt.error_title == details[: width(SendAttempt.error_title)]
    assert (attempt.error_code, attempt.outcome) == (None, "retry")
    [message] = rows(app, select(Message).where(Message.direction == "out"))
    assert message.status == "queued"  # an unknown error: tried again later


class OddMeta:
    """Plays a Graph API that answers with ids longer than Meta's (the emulator
    never does): a media id for uploads, a wamid for sends."""

    def __init__(self, length: int) -> None:
        self.length = length
        self.server = LiveServer(self.wsgi)

    def wsgi(self, environ, start_response):
        request = Request(environ)
        request.get_data()
        if request.path.endswith("/media"):
            answer = {"id": long_digits(self.length)}
        else:
            wamid = long_id(self.length)
            answer = {"messaging_product": "whatsapp", "messages": [{"id": wamid}]}
        return Response(json.dumps(answer), mimetype="application/json")(
            environ, start_response
        )


@pytest.fixture
def odd_meta(app):
    meta = OddMeta(TIMES * width(Message.wamid))
    app.config["WHATSAPP_GRAPH_URL"] = f"{meta.server.url}/v25.0"
    yield meta
    meta.server.stop()


def test_a_send_answer_with_an_over_long_wamid_counts_as_no_answer(
    client, app, odd_meta, channel_key
):
    conversation_id = customer_wrote(client, channel_key)
    client.post(f"/inbox/{conversation_id}/messages", data={"text": "Guten Tag!"})
    [message] = rows(app, select(Message).where(Message.direction == "out"))
    # Never shortened: the message waits for a status webhook or the sweeper,
    # as after any send whose answer we cannot read (delivery.py).
    assert (message.status, message.wamid) == ("sending", None)
    [attempt] = rows(app, select(SendAttempt))
    assert (attempt.outcome, attempt.wamid) == ("unknown", None)


def test_an_upload_answer_with_an_over_long_media_id_is_tried_again(
    client, app, odd_meta, channel_key
):
    conversation_id = customer_wrote(client, channel_key)
    client.post(
        f"/inbox/{conversation_id}/messages",
        data={"text": "", "attachment": (io.BytesIO(PNG), "plan.png", "image/png")},
        content_type="multipart/form-data",
    )
    [message] = rows(app, select(Message).where(Message.direction == "out"))
    assert (message.status, message.media_id, message.wamid) == ("queued", None, None)
    [attempt] = rows(app, select(SendAttempt))
    assert attempt.outcome == "retry"
