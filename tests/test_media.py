"""Inbound media against the Cloud API emulator over real HTTP: fetch, check, store, serve."""

import base64
import hashlib

import pytest
from sqlalchemy import select

from leadgate import retry
from leadgate.extensions import db
from leadgate.media import download_media, media_path
from leadgate.models import Message

from .emulator_support import EmulatorHarness
from .media_support import download_until_settled
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
        message_id = message.id
    # RQ runs it again: the fault is used up, the retry succeeds.
    with app.app_context():
        assert download_media(message_id) == "stored"


@pytest.mark.parametrize(
    ("faults", "state"),
    [
        (retry.MEDIA_DOWNLOAD.attempts - 1, "stored"),  # the last attempt gets it
        (retry.MEDIA_DOWNLOAD.attempts, "failed"),  # every attempt failed
    ],
)
def test_media_downloads_get_exactly_the_tables_attempts(
    client, app, emulator, channel, monkeypatch, faults, state
):
    """RQ's Retry runs the job the table's number of times; on_failure gives up."""
    with app.app_context():
        message_id = receive(client, emulator, channel, type="video").id
        db.session.get(Message, message_id).media_state = "pending"
        db.session.commit()
    emulator.http.post(
        "/_admin/faults", json={"kind": "graph_error", "status": 503, "count": faults}
    )
    assert download_until_settled(app, monkeypatch, message_id) == state
    with app.app_context():
        conversation_id = db.session.get(Message, message_id).conversation_id
    thread = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert ("konnte nicht geladen werden" in thread) == (state == "failed")


def test_wrong_token_fails_without_retrying(client, app, emulator, channel):
    emulator.http.post(
        "/_admin/numbers", json={"phone_number_id": PHONE_ID, "access_token": "rotated"}
    )
    with app.app_context():
        message = receive(client, emulator, channel, type="sticker")
        assert message.media_state == "failed"
