"""Inbound media against the Cloud API emulator over real HTTP: fetch, check, store, serve."""

import base64
import hashlib

import pytest
from sqlalchemy import select

from leadgate.extensions import db
from leadgate.media import MAX_ATTEMPTS, download_media, media_path
from leadgate.models import Message
from leadgate.queue import get_queue

from .emulator_support import EmulatorHarness
from .support import owner_with_channel
from .webhook_fixtures import meta_bytes, sign

PHONE_ID, WABA_ID = "106540352242922", "102290129340398"
TOKEN, SECRET = "media-test-token", "media-test-secret"
JPEG = b"\xff\xd8\xff\xe0" + b"LeadGate test image " * 40 + b"\xff\xd9"


@pytest.fixture
def emulator(app):
    harness = EmulatorHarness(
        {
            "NUMBERS": [
                {
                    "phone_number_id": PHONE_ID,
                    "waba_id": WABA_ID,
                    "access_token": TOKEN,
                    "app_secret": SECRET,
                    "display_phone_number": "+49 30 1234567",
                    "verified_name": "Muster GmbH",
                    "webhook_url": "",
                }
            ]
        }
    )
    app.config["WHATSAPP_GRAPH_URL"] = f"{harness.url}/v25.0"
    yield harness
    harness.server.stop()


@pytest.fixture
def channel(app, auth):
    return owner_with_channel(
        app,
        auth,
        phone_number_id=PHONE_ID,
        waba_id=WABA_ID,
        access_token=TOKEN,
        app_secret=SECRET,
    )


def receive(client, emulator, channel_key, **params) -> Message:
    """Let the emulator build an inbound webhook, deliver it to LeadGate, return the row."""
    answer = emulator.http.post(
        "/_admin/inbound",
        json={"phone_number_id": PHONE_ID, "deliver": False, **params},
    )
    assert answer.status_code == 200, answer.text
    body = meta_bytes(answer.json()["webhook"])
    response = client.post(
        f"/webhooks/whatsapp/{channel_key}",
        data=body,
        csrf=False,
        headers={
            "X-Hub-Signature-256": sign(body, SECRET),
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 200
    rows = db.session.scalars(select(Message).order_by(Message.id.desc())).all()
    return rows[0]


def test_image_is_downloaded_stored_by_hash_and_served_to_members(
    client, app, emulator, channel
):
    data = base64.b64encode(JPEG).decode()
    with app.app_context():
        message = receive(
            client,
            emulator,
            channel,
            type="image",
            data_base64=data,
            mime_type="image/jpeg",
            caption="Unser Tisch",
        )
        assert message.media_state == "stored"
        assert message.media_sha256 == hashlib.sha256(JPEG).hexdigest()
        assert media_path(message.media_sha256).read_bytes() == JPEG
        message_id, conversation_id = message.id, message.conversation_id
    response = client.get(f"/inbox/media/{message_id}")
    assert response.status_code == 200 and response.data == JPEG
    assert response.mimetype == "image/jpeg"
    assert "private" in response.headers["Cache-Control"]
    response.close()
    thread = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert f'src="/inbox/media/{message_id}"' in thread and "Unser Tisch" in thread
    client.post("/logout")
    assert client.get(f"/inbox/media/{message_id}").status_code == 302  # members only


def test_documents_are_served_as_downloads(client, app, emulator, channel):
    with app.app_context():
        message = receive(
            client, emulator, channel, type="document", filename="Angebot.pdf"
        )
        assert (
            message.media_state == "stored" and message.media_filename == "Angebot.pdf"
        )
        message_id = message.id
    response = client.get(f"/inbox/media/{message_id}")
    assert response.headers["Content-Disposition"].startswith("attachment")
    response.close()


def test_a_file_of_the_wrong_type_is_refused(client, app, emulator, channel):
    with app.app_context():
        message = receive(
            client,
            emulator,
            channel,
            type="image",
            mime_type="application/x-msdownload",
        )
        assert message.media_state == "failed"
        assert message.media_sha256 is None
        message_id = message.id
    assert client.get(f"/inbox/media/{message_id}").status_code == 404


def test_failed_downloads_retry_later_then_show_a_clear_state(
    client, app, emulator, channel
):
    emulator.http.post(
        "/_admin/faults", json={"kind": "graph_error", "status": 500, "count": 1}
    )
    with app.app_context():
        message = receive(client, emulator, channel, type="audio")
        assert message.media_state == "retrying"
        scheduled = get_queue("default").scheduled_job_registry.get_job_ids()
        assert len(scheduled) == 1  # the next attempt waits with a backoff
        message_id, conversation_id = message.id, message.conversation_id
        # The fault is used up: the retry succeeds.
        assert download_media(message_id, 2) == "stored"
    emulator.http.post(
        "/_admin/faults", json={"kind": "graph_error", "status": 503, "count": 5}
    )
    with app.app_context():
        failing = receive(client, emulator, channel, type="video")
        assert download_media(failing.id, MAX_ATTEMPTS) == "failed"
        conversation_id = failing.conversation_id
    thread = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "konnte nicht geladen werden" in thread


def test_wrong_token_fails_without_retrying(client, app, emulator, channel):
    emulator.http.post(
        "/_admin/numbers", json={"phone_number_id": PHONE_ID, "access_token": "rotated"}
    )
    with app.app_context():
        message = receive(client, emulator, channel, type="sticker")
        assert message.media_state == "failed"
