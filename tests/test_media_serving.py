"""Files served from our origin: safe types, downloads, sandbox; documents shown at once.

Inbound media come through the Cloud API emulator over real HTTP, as in test_media.py.
"""

import base64
import re

import pytest

from leadgate.extensions import db
from leadgate.media import download_media
from leadgate.models import Conversation
from leadgate.retry import MEDIA_DOWNLOAD as MEDIA

from .emulator_support import EmulatorHarness
from .inbox_support import OWNER, add_conversations, make_team
from .media_support import download_until_settled
from .support import owner_with_channel
from .test_media import JPEG, PHONE_ID, SECRET, TOKEN, WABA_ID, receive

HTML = b"<!doctype html><script>fetch('/account').then(r => r.text())</script>"
EVIL_NAME = "evil\r\nSet-Cookie: session=stolen\r\n.pdf"


@pytest.fixture
def emulator(app):
    number = {
        "phone_number_id": PHONE_ID,
        "waba_id": WABA_ID,
        "access_token": TOKEN,
        "app_secret": SECRET,
        "display_phone_number": "+49 30 1234567",
        "verified_name": "Muster GmbH",
        "webhook_url": "",
    }
    harness = EmulatorHarness({"NUMBERS": [number]})
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


def document(client, app, emulator, channel, **params) -> tuple[int, int]:
    """An inbound document; (message id, conversation id)."""
    with app.app_context():
        message = receive(client, emulator, channel, type="document", **params)
        return message.id, message.conversation_id


def assert_sandboxed(response) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = response.headers["Content-Security-Policy"]
    assert "sandbox" in [part.strip() for part in policy.split(";")]
    assert "default-src 'self'" in policy  # the site's policy stays in force


@pytest.mark.parametrize(
    "claimed", ["text/html", "image/svg+xml", "application/xhtml+xml", "text/plain"]
)
def test_a_file_claiming_a_renderable_type_is_served_as_a_sandboxed_download(
    client, app, emulator, channel, claimed
):
    message_id, _ = document(
        client,
        app,
        emulator,
        channel,
        mime_type=claimed,
        filename="seite.html",
        data_base64=base64.b64encode(HTML).decode(),
    )
    with client.get(f"/inbox/media/{message_id}") as response:
        assert response.status_code == 200 and response.data == HTML
        assert response.headers["Content-Type"] == "application/octet-stream"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert_sandboxed(response)


def test_images_stay_inline_with_their_own_type_and_are_sandboxed(
    client, app, emulator, channel
):
    with app.app_context():
        message = receive(
            client,
            emulator,
            channel,
            type="image",
            mime_type="image/jpeg",
            data_base64=base64.b64encode(JPEG).decode(),
        )
        message_id = message.id
    with client.get(f"/inbox/media/{message_id}") as response:
        assert response.status_code == 200 and response.data == JPEG
        assert response.mimetype == "image/jpeg"
        assert response.headers["Content-Disposition"].startswith("inline;")
        assert_sandboxed(response)


def test_a_pdf_is_a_download_too(client, app, emulator, channel):
    message_id, _ = document(client, app, emulator, channel, filename="Angebot.pdf")
    with client.get(f"/inbox/media/{message_id}") as response:
        assert response.headers["Content-Type"] == "application/octet-stream"
        assert response.headers["Content-Disposition"] == (
            "attachment; filename=Angebot.pdf"
        )
        assert_sandboxed(response)


def test_a_document_name_with_line_breaks_is_stored_clean_and_downloads(
    client, app, emulator, channel
):
    message_id, conversation_id = document(
        client, app, emulator, channel, filename=EVIL_NAME
    )
    with client.get(f"/inbox/media/{message_id}") as response:
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="evil Set-Cookie: session=stolen .pdf"'
        )
        assert "Set-Cookie" not in response.headers
    thread = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    assert "evil Set-Cookie: session=stolen .pdf" in thread


def card_of(client, conversation_id: int, message_id: int) -> str:
    thread = client.get(f"/inbox/{conversation_id}").get_data(as_text=True)
    return thread.split(f'id="message-{message_id}"', 1)[1].split("</article>")[0]


def test_a_documents_name_type_and_size_show_whatever_its_download_does(
    client, app, emulator, channel, monkeypatch
):
    # Pending: the first download attempt fails (a retry waits).
    emulator.http.post(
        "/_admin/faults", json={"kind": "graph_error", "status": 500, "count": 1}
    )
    pending_id, conversation_id = document(
        client, app, emulator, channel, filename="Lebenslauf.pdf"
    )
    card = card_of(client, conversation_id, pending_id)
    assert '<span class="document-name">Lebenslauf.pdf</span>' in card
    assert "(PDF)" in card and "wird geladen" in card
    assert f"/inbox/media/{pending_id}" not in card  # nothing to download yet
    # Done: a link, and the size now that it is known.
    with app.app_context():
        assert download_media(pending_id) == "stored"
    card = card_of(client, conversation_id, pending_id)
    assert f'href="/inbox/media/{pending_id}" class="document-link">Lebenslauf.pdf' in (
        card
    )
    assert "(PDF, " in card and " KB)" in card
    # Failed: every attempt fails.
    emulator.http.post(
        "/_admin/faults",
        json={"kind": "graph_error", "status": 503, "count": 1 + MEDIA.attempts},
    )
    failed_id, _ = document(client, app, emulator, channel, filename="Zeugnis.docx")
    assert download_until_settled(app, monkeypatch, failed_id) == "failed"
    card = card_of(client, conversation_id, failed_id)
    assert '<span class="document-name">Zeugnis.docx</span>' in card
    assert "(DOCX)" in card and "konnte nicht geladen werden" in card


def test_exports_are_sandboxed_downloads_with_a_clean_name(client, app, auth):
    team = make_team(app)
    [conversation_id] = add_conversations(app, team, 1)
    with app.app_context():
        contact_id = db.session.get(Conversation, conversation_id).contact_id
    auth.login(OWNER)
    with client.get("/contacts/export.csv") as response:
        assert response.headers["Content-Disposition"] == (
            "attachment; filename=kontakte.csv"
        )
        assert_sandboxed(response)
    with client.post(f"/contacts/{contact_id}/export") as response:
        assert response.status_code == 200
        assert re.fullmatch(
            rf"attachment; filename=kontakt-{contact_id}-\d{{4}}-\d\d-\d\d\.zip",
            response.headers["Content-Disposition"],
        )
        assert_sandboxed(response)
    with client.post("/account/export") as response:
        assert response.status_code == 200
        assert_sandboxed(response)
