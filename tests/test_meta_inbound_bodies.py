"""Webhook bodies from real captures (issue 13): deep JSON, caption edits, reactions
taken back within a second, number changes. Everything goes through HTTP."""

import copy

import pytest
from sqlalchemy import select

from leadgate.extensions import db
from leadgate.models import (
    Channel,
    Contact,
    Conversation,
    Message,
    Reaction,
    WebhookEvent,
)
from leadgate.webhooks import ingest
from leadgate.webhooks.contract import keys_cache

from .inbound_support import count, deliver, first_item, post, rows
from .inbox_support import OWNER, owner_with_payload_channel
from .webhook_fixtures import load_payload, payload_bytes

ENVELOPE = b'{"object":"whatsapp_business_account","entry":[%s]}'
DEEP_ARRAYS = ENVELOPE % (b"[" * 1000 + b"]" * 1000)  # RecursionError in json.loads
DEEP_OBJECTS = ENVELOPE % (b'{"a":' * 1000 + b"1" + b"}" * 1000)
# Decodes fine, but no webhook nests 200 deep; stored, it would burden every reader.
NESTED_200 = ENVELOPE % (b"[" * 200 + b"]" * 200)


@pytest.mark.parametrize(
    "body", [DEEP_ARRAYS, DEEP_OBJECTS, NESTED_200], ids=["arrays", "objects", "200"]
)
def test_deeply_nested_json_gets_400_on_both_paths_and_nothing_is_stored(
    client, app, body
):
    key = owner_with_payload_channel(app)
    assert keys_cache.get(key) is None  # so this POST is the Flask view
    flask_answer = post(client, key, body)
    assert flask_answer.status_code == 400
    assert "Not a WhatsApp webhook payload" in flask_answer.get_data(as_text=True)
    # Now the keys are cached: the plain WSGI path answers (its 200 has no type).
    good = post(client, key, payload_bytes("text"))
    assert good.status_code == 200 and "Content-Type" not in good.headers
    fast_answer = post(client, key, body)
    assert fast_answer.status_code == 400
    assert fast_answer.get_data() == b"Not a WhatsApp webhook payload"
    assert count(app, WebhookEvent) == 1 and count(app, Message) == 1


def test_a_webhook_nested_as_deep_as_meta_nests_is_accepted(client, app):
    key = owner_with_payload_channel(app)
    deliver(client, key, "contacts")  # the deepest sample: cards in a message
    assert count(app, Message) == 1


def test_a_deep_body_stored_earlier_is_ignored_by_the_drain_not_fatal(client, app):
    """Bodies stored before the intake refused them must not stop a drain."""
    key = owner_with_payload_channel(app)
    with app.app_context():
        channel_id = db.session.scalar(select(Channel.id).where(Channel.key == key))
        db.session.add(WebhookEvent(channel_id=channel_id, body=DEEP_ARRAYS))
        db.session.add(WebhookEvent(channel_id=channel_id, body=payload_bytes("text")))
        db.session.commit()
        assert ingest.process_batch() == 2
    events = rows(app, select(WebhookEvent).order_by(WebhookEvent.id))
    assert [(e.state, e.note) for e in events][0] == ("ignored", "unreadable payload")
    assert events[1].state == "processed"
    assert count(app, Message) == 1  # the good event of the same batch applied


def test_a_flow_answer_nested_too_deep_is_kept_as_its_text(client, app):
    key = owner_with_payload_channel(app)
    payload = load_payload("interactive_nfm_reply")
    deep = "[" * 1000 + "]" * 1000
    first_item(payload, "messages")["interactive"]["nfm_reply"]["response_json"] = deep
    deliver(client, key, payload)
    [message] = rows(app, select(Message))
    assert message.type == "interactive" and message.details["response"] == deep


# --- edits ---------------------------------------------------------------------


def edit_of(target_name: str, caption: str | None = "Neue Beschriftung") -> dict:
    """The real caption-edit capture, aimed at another stored media message."""
    target = first_item(load_payload(target_name), "messages")
    payload = load_payload("edit_caption")
    edit = first_item(payload, "messages")["edit"]
    edit["original_message_id"] = target["id"]
    media = copy.deepcopy(target[target["type"]])
    media.pop("caption", None)
    if caption is not None:
        media["caption"] = caption
    edit["message"] = {"type": target["type"], target["type"]: media}
    return payload


@pytest.mark.parametrize("target", ["image_caption", "video", "document"])
def test_a_caption_edit_replaces_the_caption_and_never_the_text(
    client, auth, app, target
):
    key = owner_with_payload_channel(app)
    deliver(client, key, target)
    [before] = rows(app, select(Message))
    deliver(client, key, edit_of(target))
    after = rows(app, select(Message).where(Message.id == before.id))[0]
    assert after.caption == "Neue Beschriftung"
    assert after.text is None and after.edited_at is not None
    assert after.details["edit_history"][0]["caption"] == before.caption
    auth.login(OWNER)
    page = client.get(f"/inbox/{after.conversation_id}").get_data(as_text=True)
    assert "Neue Beschriftung" in page and "bearbeitet" in page
    if before.caption:
        assert before.caption not in page.replace("Neue Beschriftung", "")


def test_the_real_caption_edit_capture(client, app):
    key = owner_with_payload_channel(app)
    deliver(client, key, "image_caption")
    deliver(client, key, "edit_caption")
    [image] = rows(app, select(Message).where(Message.type == "image"))
    assert image.caption == "Kratzer an der Tischkante – siehe Foto"
    assert image.details["edit_history"][0]["caption"] == (
        "Kratzer an der Tischplatte – siehe Foto"
    )


def test_an_edit_that_removes_the_caption_removes_it(client, app):
    key = owner_with_payload_channel(app)
    deliver(client, key, "image_caption")
    deliver(client, key, edit_of("image_caption", caption=None))
    [image] = rows(app, select(Message).where(Message.type == "image"))
    assert image.caption is None and image.edited_at is not None


@pytest.mark.parametrize(
    "new_message",
    [
        {"type": "image", "image": {"caption": "falscher Typ"}},  # a text's edit?
        {"type": "text"},  # no text object at all
        {"type": "text", "text": "kein Objekt"},
    ],
)
def test_an_edit_that_does_not_fit_its_text_target_changes_nothing(
    client, app, new_message
):
    key = owner_with_payload_channel(app)
    deliver(client, key, "text")
    [original] = rows(app, select(Message))
    payload = load_payload("edit")
    edit = first_item(payload, "messages")["edit"]
    edit["original_message_id"] = original.wamid
    edit["message"] = new_message
    deliver(client, key, payload)
    text = rows(app, select(Message).where(Message.id == original.id))[0]
    assert text.text == original.text and text.edited_at is None
    assert count(app, Message) == 2  # the edit itself is kept as it came


# --- reactions -----------------------------------------------------------------


def reaction(target: str, emoji: str, wamid_suffix: str, timestamp="1777380100"):
    payload = load_payload("reaction")
    item = first_item(payload, "messages")
    item["reaction"] = {"message_id": target, "emoji": emoji}
    item["timestamp"] = timestamp
    item["id"] += wamid_suffix
    return payload


def test_a_reaction_taken_back_within_the_same_second_is_gone(client, auth, app):
    key = owner_with_payload_channel(app)
    deliver(client, key, "text")
    [text] = rows(app, select(Message))
    deliver(client, key, reaction(text.wamid, "👍", "-add"))
    assert rows(app, select(Reaction.emoji)) == ["👍"]
    deliver(client, key, reaction(text.wamid, "", "-remove"))  # same second
    assert rows(app, select(Reaction.emoji)) == [None]
    auth.login(OWNER)
    page = client.get(f"/inbox/{text.conversation_id}").get_data(as_text=True)
    assert 'aria-label="Reaktionen"' not in page
    # An older reaction arriving late still loses.
    deliver(client, key, reaction(text.wamid, "❤️", "-old", timestamp="1777380050"))
    assert rows(app, select(Reaction.emoji)) == [None]


def test_add_and_remove_in_one_post_and_one_second_ends_removed(client, app):
    key = owner_with_payload_channel(app)
    deliver(client, key, "text")
    [text] = rows(app, select(Message))
    payload = reaction(text.wamid, "👍", "-add")
    removal = first_item(reaction(text.wamid, "", "-remove"), "messages")
    payload["entry"][0]["changes"][0]["value"]["messages"].append(removal)
    deliver(client, key, payload)
    assert rows(app, select(Reaction.emoji)) == [None]


# --- number changes --------------------------------------------------------------


def test_a_number_change_moves_the_phone_number_too(client, auth, app):
    key = owner_with_payload_channel(app)
    deliver(client, key, "text")
    deliver(client, key, "system_user_changed_number")
    [contact] = rows(app, select(Contact))
    assert contact.wa_id == "4915198765432"
    assert contact.phone_e164 == "+4915198765432"
    auth.login(OWNER)
    page = client.get("/contacts").get_data(as_text=True)
    # Numbers are shown with non-breaking spaces (phones.pretty).
    shown = "+49 1519 8765432".replace(" ", "\u00a0")
    assert shown in page and "+49\u00a01511\u00a02345678" not in page


def test_a_number_change_to_a_known_number_leaves_both_for_merging(client, app):
    """As the contact resolver does: wa_id stays unique, both share the number."""
    key = owner_with_payload_channel(app)
    deliver(client, key, "text")
    with app.app_context():
        [workspace_id] = db.session.scalars(select(Conversation.workspace_id)).all()
        db.session.add(
            Contact(
                workspace_id=workspace_id,
                wa_id="4915198765432",
                phone_e164="+4915198765432",
                name="Importiert",
            )
        )
        db.session.commit()
    deliver(client, key, "system_user_changed_number")
    contacts = rows(app, select(Contact).order_by(Contact.id))
    assert [c.wa_id for c in contacts] == ["4915112345678", "4915198765432"]
    assert {c.phone_e164 for c in contacts} == {"+4915198765432"}
