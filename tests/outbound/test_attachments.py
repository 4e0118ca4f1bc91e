"""Attachments, replies and reactions.

Jobs run inline (QUEUE_IS_ASYNC is off in tests) unless a test starts a real worker;
status webhooks the emulator delivers to a receiver are relayed as they came.
"""

import io

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from leadgate.models import (
    Conversation,
    Message,
    utcnow,
)
from leadgate.outbound import attachments

from ..emulator_support import (
    PNG,
)
from .helpers import (
    change,
    customer_writes,
    deliver,
    outbound,
    read,
    sent_at_emulator,
)


def inbound() -> Message:
    return read(select(Message).where(Message.direction == "in"))[0]


def test_an_answer_can_quote_the_message_it_replies_to(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    original = inbound()
    client.post(
        f"/inbox/{conversation_id}/messages",
        data={"text": "Gern!", "reply_to": original.id},
    )
    [sent] = sent_at_emulator(emulator)
    assert sent["body"]["context"] == {"message_id": original.wamid}
    assert outbound().reply_to_wamid == original.wamid


def test_an_agent_reacts_to_a_message_with_an_emoji(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    original = inbound()
    client.post(f"/inbox/messages/{original.id}/react", data={"emoji": "👍"})
    [sent] = sent_at_emulator(emulator)
    assert sent["type"] == "reaction"
    assert sent["body"]["reaction"] == {"message_id": original.wamid, "emoji": "👍"}
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert 'class="message-reactions"' in page and "👍" in page
    [conversation] = read(select(Conversation))
    assert conversation.last_message_preview != ""  # a reaction is no new last message
    assert conversation.last_message_type == "text"


def attach(client, conversation_id: int, data: bytes, name: str, mime: str, text=""):
    return client.post(
        f"/inbox/{conversation_id}/messages",
        data={"text": text, "attachment": (io.BytesIO(data), name, mime)},
        content_type="multipart/form-data",
    )


def test_an_image_is_uploaded_and_sent_by_media_id(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    attach(client, conversation_id, PNG, "plan.png", "image/png", "Unser Plan")
    message = outbound()
    assert (message.type, message.status, message.caption) == (
        "image",
        "sent",
        "Unser Plan",
    )
    [sent] = sent_at_emulator(emulator)
    assert sent["body"]["image"] == {"id": message.media_id, "caption": "Unser Plan"}
    stored = emulator.graph("GET", message.media_id)  # Meta has our bytes
    assert stored.status_code == 200 and stored.json()["mime_type"] == "image/png"
    page = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert f"/inbox/media/{message.id}" in page
    with client.get(f"/inbox/media/{message.id}") as copy:
        assert copy.data == PNG  # our own copy, for the thread


def test_a_document_keeps_its_file_name(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    attach(
        client, conversation_id, b"%PDF-1.4 Angebot", "Angebot.pdf", "application/pdf"
    )
    [sent] = sent_at_emulator(emulator)
    assert sent["type"] == "document"
    assert sent["body"]["document"]["filename"] == "Angebot.pdf"


@pytest.mark.parametrize(
    ("data", "name", "mime", "words"),
    [
        (PNG + b"0" * 2048, "big.png", "image/png", "zu groß"),
        (b"not really a jpeg", "fake.jpg", "image/jpeg", "passt nicht"),
    ],
    ids=["too-large", "wrong-content"],
)
def test_files_meta_would_refuse_are_refused_before_upload(
    client, emulator, channel_key, monkeypatch, data, name, mime, words
):
    # Meta's 5 MB image limit, scaled down so the test uploads 2 KB, not 5 MB.
    monkeypatch.setitem(
        attachments.SEND_LIMITS, "image", (1024, ("image/jpeg", "image/png"))
    )
    conversation_id = customer_writes(client, emulator, channel_key)
    response = attach(client, conversation_id, data, name, mime)
    assert words in client.get(response.headers["Location"]).get_data(as_text=True)
    assert outbound() is None and sent_at_emulator(emulator) == []


def test_a_failed_upload_is_retried_like_a_send(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    emulator.admin(
        "POST", "faults", json={"kind": "graph_error", "status": 503, "match": "/media"}
    )
    attach(client, conversation_id, PNG, "plan.png", "image/png")
    message = outbound()
    assert message.status == "queued" and message.media_id is None
    change(Message, Message.id == message.id, next_attempt_at=utcnow())
    assert deliver() == {"sent": 1}
    assert len(sent_at_emulator(emulator)) == 1


def test_documents_beyond_the_general_upload_limit_go_out(
    client, app, emulator, channel_key
):
    """Other forms stop at MAX_CONTENT_LENGTH; WhatsApp documents may be larger."""
    conversation_id = customer_writes(client, emulator, channel_key)
    big = b"%PDF-1.4 " + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 1024)
    # Encoded in memory: the test client would spool a body this size to a temp file.
    boundary, body = encode_multipart(
        {
            "text": "",
            "attachment": FileStorage(
                io.BytesIO(big), filename="Katalog.pdf", content_type="application/pdf"
            ),
        }
    )
    response = client.post(
        f"/inbox/{conversation_id}/messages",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 303
    [sent] = sent_at_emulator(emulator)
    assert sent["type"] == "document"


def test_an_attachment_without_csrf_token_is_refused(client, emulator, channel_key):
    conversation_id = customer_writes(client, emulator, channel_key)
    response = client.post(
        f"/inbox/{conversation_id}/messages",
        data={"text": "Hallo", "attachment": (io.BytesIO(PNG), "a.png", "image/png")},
        content_type="multipart/form-data",
        csrf=False,
    )
    assert response.status_code == 400
    assert outbound() is None and sent_at_emulator(emulator) == []
