"""Meta → LeadGate: verification, signatures, durable ingest, every payload type, once."""

import json
import logging
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from leadgate.channels.services import create_channel
from leadgate.extensions import db
from leadgate.models import (
    ChannelEvent,
    Contact,
    Conversation,
    Message,
    MessageStatus,
    MessageTemplate,
    Reaction,
    WebhookEvent,
    utcnow,
)
from leadgate.outbound.progress import apply_recorded_statuses
from leadgate.webhooks import ingest

from .support import make_user, workspace_of
from .webhook_fixtures import load_payload, payload_bytes, sign

PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"
APP_SECRET = "app-secret-for-tests"


@pytest.fixture
def channel(app):
    with app.app_context():
        owner = make_user("owner@example.com")
        created = create_channel(
            workspace_of(owner),
            name="Vertrieb",
            phone_number_id=PHONE_NUMBER_ID,
            waba_id=WABA_ID,
            access_token="token-for-tests",
            app_secret=APP_SECRET,
            verify_token="verify-me",
        )
        db.session.commit()
        return {
            "id": created.id,
            "key": created.key,
            "workspace_id": created.workspace_id,
        }


def post(
    client, channel, body: bytes, secret: str = APP_SECRET, signature: str | None = None
):
    headers = {"Content-Type": "application/json"}
    if signature is not False:
        headers["X-Hub-Signature-256"] = signature or sign(body, secret)
    return client.post(
        f"/webhooks/whatsapp/{channel['key']}", data=body, headers=headers, csrf=False
    )


def deliver(client, channel, name: str):
    response = post(client, channel, payload_bytes(name))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def messages(app) -> list[Message]:
    with app.app_context():
        rows = db.session.scalars(select(Message).order_by(Message.id)).all()
        db.session.expunge_all()
        return rows


# --- verification handshake -------------------------------------------------


def test_verification_echoes_the_challenge(client, channel):
    url = f"/webhooks/whatsapp/{channel['key']}"
    response = client.get(
        url,
        query_string={
            "hub.mode": "subscribe",
            "hub.verify_token": "verify-me",
            "hub.challenge": "1158201444",
        },
    )
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "1158201444"
    wrong = client.get(
        url,
        query_string={
            "hub.mode": "subscribe",
            "hub.verify_token": "nope",
            "hub.challenge": "1",
        },
    )
    assert wrong.status_code == 403
    wrong_mode = client.get(
        url,
        query_string={
            "hub.mode": "unsubscribe",
            "hub.verify_token": "verify-me",
            "hub.challenge": "1",
        },
    )
    assert wrong_mode.status_code == 403
    assert client.get("/webhooks/whatsapp/unknown-key").status_code == 404


# --- signatures and bad input -------------------------------------------------


@pytest.mark.parametrize(
    "signature",
    [False, "sha256=", "sha256=" + "0" * 64, "sha1=abc", "garbage"],
)
def test_missing_or_wrong_signature_is_refused_and_nothing_stored(
    client, app, channel, signature
):
    response = post(client, channel, payload_bytes("text"), signature=signature)
    assert response.status_code == 401
    assert count(app, WebhookEvent) == 0 and count(app, Message) == 0


def test_signature_with_another_secret_is_refused(client, app, channel):
    assert (
        post(client, channel, payload_bytes("text"), secret="other").status_code == 401
    )
    assert count(app, WebhookEvent) == 0


def test_signature_is_checked_on_the_raw_escaped_bytes(client, app, channel):
    body = payload_bytes("text")
    assert b"\\u00fc" in body  # Meta escapes non-ASCII; we must not re-serialise
    assert post(client, channel, body).status_code == 200
    reencoded = json.dumps(json.loads(body), ensure_ascii=False).encode()
    assert (
        post(client, channel, reencoded, signature=sign(body, APP_SECRET)).status_code
        == 401
    )


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"object": "page", "entry": []}',
        b'{"object": "whatsapp_business_account"}',
    ],
)
def test_malformed_payloads_get_400(client, app, channel, body):
    assert post(client, channel, body).status_code == 400
    assert count(app, WebhookEvent) == 0


# --- inbound messages ----------------------------------------------------------


def test_text_message_creates_contact_conversation_and_message(client, app, channel):
    deliver(client, channel, "text")
    (message,) = messages(app)
    assert message.direction == "in" and message.type == "text"
    assert message.text == "Grüße aus Köln 👋 Gibt es den Tisch auch in Eiche?"
    assert message.sent_at is not None
    with app.app_context():
        contact = db.session.scalar(select(Contact))
        assert (contact.wa_id, contact.profile_name) == (
            "4915112345678",
            "Jürgen Müller",
        )
        assert contact.workspace_id == channel["workspace_id"]
        conversation = db.session.scalar(select(Conversation))
        assert conversation.unread_count == 1
        assert conversation.last_message_preview.startswith("Grüße aus Köln")
        event = db.session.scalar(select(WebhookEvent))
        assert event.state == "processed" and event.body == payload_bytes("text")


def test_the_same_message_twice_is_stored_once(client, app, channel):
    deliver(client, channel, "text")
    deliver(client, channel, "text")
    assert count(app, Message) == 1
    assert count(app, WebhookEvent, WebhookEvent.state == "processed") == 2
    with app.app_context():
        assert db.session.scalar(select(Conversation.unread_count)) == 1


def test_concurrent_processing_of_duplicates_creates_one_message(app, channel):
    with app.app_context():
        for _ in range(6):
            db.session.add(
                WebhookEvent(channel_id=channel["id"], body=payload_bytes("text"))
            )
        db.session.commit()
    barrier = threading.Barrier(3)
    errors = []

    def drain():
        try:
            with app.app_context():
                barrier.wait()
                while ingest.process_batch(2):
                    pass
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=drain) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert (
        count(app, Message) == 1
        and count(app, Contact) == 1
        and count(app, Conversation) == 1
    )
    assert count(app, WebhookEvent, WebhookEvent.state == "processed") == 6


EXPECTED = {
    "image_caption": (
        "image",
        lambda m: m.caption and m.media_id and m.media_state in ("pending", "retrying"),
    ),
    "audio_voice": ("audio", lambda m: m.details["media"]["voice"] is True),
    "document": ("document", lambda m: m.media_filename),
    "sticker_animated": ("sticker", lambda m: m.details["media"]["animated"] is True),
    "location": ("location", lambda m: isinstance(m.details["latitude"], float)),
    "contacts": ("contacts", lambda m: m.details["contacts"][0]["phones"]),
    "interactive_button_reply": (
        "interactive",
        lambda m: m.text and m.details["reply_id"],
    ),
    "interactive_list_reply": (
        "interactive",
        lambda m: m.details["interactive_type"] == "list_reply",
    ),
    "interactive_nfm_reply": (
        "interactive",
        lambda m: isinstance(m.details["response"], dict),
    ),
    "interactive_missing_object": ("interactive", lambda m: m.raw),
    "button": ("button", lambda m: m.text and m.details["payload"]),
    "order": ("order", lambda m: m.details["product_items"]),
    "system_user_changed_number": ("system", lambda m: m.details["new_wa_id"]),
    "unsupported": ("unsupported", lambda m: m.raw and m.details["errors"]),
    "unknown_legacy": ("unsupported", lambda m: m.raw),
    "referral": ("text", lambda m: m.details["referral"]["source_url"]),
    "text_reply": ("text", lambda m: m.reply_to_wamid),
    "text_forwarded": ("text", lambda m: m.forwarded and not m.reply_to_wamid),
    "text_frequently_forwarded": (
        "text",
        lambda m: m.forwarded and m.details["frequently_forwarded"],
    ),
    "text_product_inquiry": ("text", lambda m: m.details["referred_product"]),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_message_type_is_stored(client, app, channel, name):
    deliver(client, channel, name)
    (message,) = messages(app)
    expected_type, check = EXPECTED[name]
    assert message.type == expected_type
    assert check(message), name
    assert message.wamid.startswith("wamid.")


def test_unsupported_types_show_a_placeholder(client, auth, app, channel):
    deliver(client, channel, "unsupported")
    auth.login("owner@example.com")
    with app.app_context():
        conversation_id = db.session.scalar(select(Conversation.id))
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "Nicht unterstützter Nachrichtentyp" in page


def first_item(payload: dict, kind: str = "messages") -> dict:
    return payload["entry"][0]["changes"][0]["value"][kind][0]


def deliver_changed(client, channel, name: str, change) -> dict:
    """Deliver a fixture after change(item) edited its first message or status."""
    payload = load_payload(name)
    kind = "statuses" if name.startswith("status") else "messages"
    change(first_item(payload, kind))
    assert post(client, channel, json.dumps(payload).encode()).status_code == 200
    return payload


def text_wamid() -> str:
    return first_item(load_payload("text"))["id"]


def test_reaction_attaches_to_its_message_and_empty_emoji_removes_it(
    client, auth, app, channel
):
    deliver(client, channel, "text")

    def react(item, emoji="👍", timestamp="1777380100"):
        item["reaction"]["message_id"] = text_wamid()
        item["timestamp"] = timestamp
        if emoji is None:
            item["reaction"].pop("emoji", None)
        else:
            item["reaction"]["emoji"] = emoji

    deliver_changed(client, channel, "reaction", react)
    with app.app_context():
        reaction = db.session.scalar(select(Reaction))
        assert (reaction.target_wamid, reaction.emoji) == (text_wamid(), "👍")
        conversation_id = db.session.scalar(select(Conversation.id))
    auth.login("owner@example.com")
    assert "👍" in client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    # An older reaction arriving late does not win; a newer removal does.
    deliver_changed(
        client, channel, "reaction_removed", lambda i: react(i, "", "1777380050")
    )
    with app.app_context():
        assert db.session.scalar(select(Reaction.emoji)) == "👍"

    def remove_later(item):
        react(item, None, "1777380200")
        item["id"] += "-2"  # another webhook, another wamid

    deliver_changed(client, channel, "reaction_removed", remove_later)
    with app.app_context():
        assert db.session.scalar(select(Reaction.emoji)) is None
    assert count(app, Reaction) == 1


def test_revoke_and_edit_change_the_original(client, app, channel):
    deliver(client, channel, "text")
    original = messages(app)[0]

    def target(item, kind):
        item[kind]["original_message_id"] = original.wamid

    deliver_changed(client, channel, "edit", lambda item: target(item, "edit"))
    edited = next(m for m in messages(app) if m.id == original.id)
    assert edited.edited_at is not None and edited.text != original.text
    assert edited.details["edit_history"][0]["text"] == original.text
    deliver_changed(client, channel, "revoke", lambda item: target(item, "revoke"))
    revoked = next(m for m in messages(app) if m.id == original.id)
    assert revoked.revoked_at is not None


def test_bsuid_and_phone_resolve_to_one_contact(client, app, channel):
    deliver(client, channel, "text")  # wa_id and user_id
    deliver(client, channel, "bsuid_only_sender")  # someone else, username only
    with app.app_context():
        contacts = db.session.scalars(select(Contact)).all()
    bsuids = {c.bsuid for c in contacts}
    assert len(contacts) == len(bsuids) == 2  # one row per BSUID, phone and all
    bsuid_only = next(c for c in contacts if c.username)
    assert bsuid_only.wa_id is None  # Meta sent no number: none is made up


def test_profile_name_changes_update_the_contact(client, app, channel):
    deliver(client, channel, "text")
    payload = load_payload("text_reply")
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["profile"]["name"] = "Jürgen M."
    body = json.dumps(payload).encode()
    assert post(client, channel, body).status_code == 200
    assert count(app, Contact) == 1
    with app.app_context():
        assert db.session.scalar(select(Contact.profile_name)) == "Jürgen M."


def test_payload_for_another_number_is_not_applied(client, app, channel):
    payload = load_payload("text")
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = (
        "999999999999"
    )
    body = json.dumps(payload).encode()
    assert post(client, channel, body).status_code == 200
    assert count(app, Message) == 0
    with app.app_context():
        event = db.session.scalar(select(WebhookEvent))
        assert event.body == body and "foreign=1" in event.note


def test_batched_post_applies_every_update(client, app, channel):
    payload = load_payload("batched")
    expected_messages = sum(
        len(change["value"].get("messages", []))
        for entry in payload["entry"]
        for change in entry["changes"]
    )
    expected_statuses = sum(
        len(change["value"].get("statuses", []))
        for entry in payload["entry"]
        for change in entry["changes"]
    )
    deliver(client, channel, "batched")
    assert count(app, Message) == expected_messages > 1
    assert count(app, MessageStatus) == expected_statuses > 0


# --- statuses --------------------------------------------------------------------


def outbound(app, channel, wamid: str) -> int:
    with app.app_context():
        contact = Contact(workspace_id=channel["workspace_id"], wa_id="4915112345678")
        db.session.add(contact)
        db.session.flush()
        conversation = Conversation(
            workspace_id=channel["workspace_id"],
            channel_id=channel["id"],
            contact_id=contact.id,
        )
        db.session.add(conversation)
        db.session.flush()
        message = Message(
            workspace_id=channel["workspace_id"],
            channel_id=channel["id"],
            conversation_id=conversation.id,
            contact_id=contact.id,
            direction="out",
            wamid=wamid,
            type="text",
            text="Hallo",
            status="sent",
            status_rank=10,
            sent_at=utcnow(),
        )
        db.session.add(message)
        db.session.commit()
        return message.id


def status_wamid(name: str) -> str:
    return load_payload(name)["entry"][0]["changes"][0]["value"]["statuses"][0]["id"]


def message_status(app, message_id) -> tuple[str, int | None]:
    with app.app_context():
        message = db.session.get(Message, message_id)
        return message.status, message.error_code


def test_statuses_move_forward_and_never_back(client, app, channel):
    wamid = status_wamid("status_read")
    message_id = outbound(app, channel, wamid)

    def same_message(item):
        item["id"] = wamid

    deliver(client, channel, "status_read")
    deliver_changed(client, channel, "status_delivered", same_message)  # late
    deliver_changed(client, channel, "status_sent", same_message)  # later still
    assert message_status(app, message_id)[0] == "read"
    deliver(client, channel, "status_read")  # duplicate
    assert count(app, MessageStatus, MessageStatus.wamid == wamid) == 3


def test_sent_can_jump_straight_to_read(client, app, channel):
    wamid = status_wamid("status_read")
    message_id = outbound(app, channel, wamid)
    deliver(client, channel, "status_read")
    assert message_status(app, message_id)[0] == "read"


def test_failed_status_keeps_the_error(client, app, channel):
    message_id = outbound(app, channel, status_wamid("status_failed"))
    deliver(client, channel, "status_failed")
    # 131049 is Meta's marketing limit: kept apart from failures (outbound/settle.py).
    assert message_status(app, message_id) == ("limited", 131049)


def test_status_before_its_message_is_kept_and_applied_later(client, app, channel):
    deliver(client, channel, "status_delivered")
    with app.app_context():
        assert db.session.scalar(select(MessageStatus.status)) == "delivered"
    message_id = outbound(app, channel, status_wamid("status_delivered"))
    with app.app_context():
        apply_recorded_statuses(channel["id"], [status_wamid("status_delivered")])
        db.session.commit()
    assert message_status(app, message_id)[0] == "delivered"


# --- other fields ------------------------------------------------------------------


def test_user_preferences_are_recorded_on_the_contact(client, app, channel):
    deliver(client, channel, "user_preferences_stop")
    with app.app_context():
        assert db.session.scalar(select(Contact.marketing_preference)) == "stop"
    deliver(client, channel, "user_preferences_resume")
    with app.app_context():
        assert db.session.scalar(select(Contact.marketing_preference)) == "resume"


def test_template_status_updates_the_template_list(client, app, channel):
    deliver(client, channel, "template_approved")
    deliver(client, channel, "template_rejected")
    with app.app_context():
        templates = {
            t.name: t.status for t in db.session.scalars(select(MessageTemplate))
        }
    assert "APPROVED" in templates.values() and "REJECTED" in templates.values()


@pytest.mark.parametrize(
    "name", ["phone_number_quality_update", "account_update", "value_errors"]
)
def test_account_events_and_errors_are_recorded(client, app, channel, name):
    deliver(client, channel, name)
    assert count(app, ChannelEvent) >= 1
    assert count(app, Message) == 0


# --- durability ----------------------------------------------------------------------


def test_a_stored_event_left_behind_is_processed_by_the_sweeper(app, channel):
    with app.app_context():
        db.session.add(
            WebhookEvent(
                channel_id=channel["id"],
                body=payload_bytes("text"),
                received_at=utcnow() - timedelta(minutes=5),
            )
        )
        db.session.commit()
        assert ingest.requeue_stale_webhooks() == 1
    assert count(app, Message) == 1
    with app.app_context():
        assert ingest.requeue_stale_webhooks() == 0


def test_database_down_answers_5xx(channel, database_url, tmp_path):
    from leadgate import create_app

    broken = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/x.db"}
    )
    response = broken.test_client().post(
        f"/webhooks/whatsapp/{channel['key']}",
        data=payload_bytes("text"),
        headers={"X-Hub-Signature-256": sign(payload_bytes("text"), APP_SECRET)},
    )
    assert response.status_code >= 500


def test_logs_contain_no_texts_phone_numbers_or_tokens(client, app, channel, caplog):
    caplog.set_level(logging.DEBUG)
    deliver(client, channel, "text")
    payload = load_payload("text")
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = (
        "999999999999"
    )
    post(client, channel, json.dumps(payload).encode())
    post(client, channel, payload_bytes("text"), secret="wrong")
    logged = caplog.text
    for secret in (
        "Grüße aus Köln",
        "4915112345678",
        "Jürgen",
        APP_SECRET,
        "token-for-tests",
    ):
        assert secret not in logged


def test_concurrent_posts_are_all_committed_before_their_200(app, channel):
    """Many request threads share one group commit; each 200 means its row exists."""
    answers = []

    def deliver_one(n: int) -> None:
        payload = load_payload("text")
        first_item(payload)["id"] = f"wamid.concurrent.{n}"
        body = json.dumps(payload).encode()
        answers.append(post(app.test_client(), channel, body).status_code)

    threads = [threading.Thread(target=deliver_one, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers == [200] * 12
    assert count(app, WebhookEvent) == 12
    assert count(app, Message) == 12


def test_the_writer_reports_a_failed_commit_to_every_waiting_request(tmp_path):
    from sqlalchemy import create_engine

    from leadgate.webhooks.writer import WebhookWriter

    broken = create_engine(f"sqlite:///{tmp_path}/missing/dir/db.sqlite3")
    writer = WebhookWriter(broken)
    with pytest.raises(Exception, match="unable to open database"):
        writer.store(1, b"{}")


def test_the_fast_path_answers_like_the_view_once_the_channel_is_cached(
    client, app, channel
):
    """The first POST goes through Flask and caches the keys; later ones take the
    plain WSGI path (webhooks/fast.py), whose 200 carries no Content-Type."""
    first = deliver(client, channel, "text")
    assert first.headers.get("Content-Type")  # Flask's response
    body = payload_bytes("location")
    assert (
        post(client, channel, body, signature="sha256=" + "0" * 64).status_code == 401
    )
    assert post(client, channel, body, signature=False).status_code == 401
    assert post(client, channel, b"{not json").status_code == 400
    assert post(client, channel, b'{"object": "page"}').status_code == 400
    fast = post(client, channel, body)
    assert fast.status_code == 200 and "Content-Type" not in fast.headers
    post(client, channel, body)  # a duplicate, also on the fast path
    assert [m.type for m in messages(app)] == ["text", "location"]
    app.config["MAX_CONTENT_LENGTH"] = 100
    assert post(client, channel, body).status_code == 413
