import json

import pytest
from sqlalchemy import select

from leadgate.crypto import decrypt
from leadgate.extensions import db
from leadgate.models import Channel, Role

from .support import make_user, workspace_of

FORM = {
    "name": "Vertrieb",
    "phone_number_id": "106540352242922",
    "waba_id": "102290129340398",
    "access_token": "EAAG-secret-token",
    "app_secret": "app-secret-123",
}


@pytest.fixture
def owner(app, auth):
    with app.app_context():
        user = make_user("owner@example.com")
        make_user(
            "agent@example.com",
            name="Agent",
            workspace=workspace_of(user),
            role=Role.AGENT,
        )
    auth.login("owner@example.com")


def test_connect_a_number_stores_secrets_encrypted_and_never_shows_them(
    client, app, owner
):
    response = client.post("/settings/channels/new", data=FORM)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        channel = db.session.scalar(select(Channel))
        assert FORM["access_token"] not in channel.access_token_encrypted
        assert FORM["app_secret"] not in channel.app_secret_encrypted
        assert decrypt(channel.access_token_encrypted) == FORM["access_token"]
        assert decrypt(channel.app_secret_encrypted) == FORM["app_secret"]
        assert len(channel.verify_token) >= 24
        assert f"http://localhost/webhooks/whatsapp/{channel.key}" in page
        assert channel.verify_token in page
    assert FORM["access_token"] not in page and FORM["app_secret"] not in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone_number_id", "abc", "nur die Ziffern"),
        ("waba_id", "", "WABA-ID"),
        ("access_token", "", "Zugriffstoken"),
        ("name", "", "Bitte geben Sie einen Namen an."),
    ],
)
def test_connect_form_validates(client, app, owner, field, value, message):
    response = client.post("/settings/channels/new", data={**FORM, field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Channel)) is None


def test_a_number_can_be_connected_only_once(client, app, owner):
    client.post("/settings/channels/new", data=FORM)
    response = client.post("/settings/channels/new", data={**FORM, "name": "Doppelt"})
    assert response.status_code == 422
    assert "bereits mit LeadGate verbunden" in response.get_data(as_text=True)


def test_secrets_can_be_replaced(client, app, owner):
    location = client.post("/settings/channels/new", data=FORM).headers["Location"]
    assert client.post(f"{location}/secrets", data={}).status_code == 422
    response = client.post(f"{location}/secrets", data={"access_token": "new-token"})
    assert response.status_code == 302
    with app.app_context():
        channel = db.session.scalar(select(Channel))
        assert decrypt(channel.access_token_encrypted) == "new-token"
        assert decrypt(channel.app_secret_encrypted) == FORM["app_secret"]


def test_connection_test_explains_unreachable_graph(client, app, owner):
    location = client.post("/settings/channels/new", data=FORM).headers["Location"]
    response = client.post(f"{location}/test", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="connection-result"' in body and "nicht erreichbar" in body


def test_agents_cannot_manage_channels(client, app, owner, auth):
    client.post("/settings/channels/new", data=FORM)
    auth.logout()
    auth.login("agent@example.com")
    assert client.get("/settings/channels").status_code == 403
    assert client.post("/settings/channels/new", data=FORM).status_code == 403


def test_cli_channel_add_prints_json(runner, app):
    with app.app_context():
        workspace_id = workspace_of(make_user("o@example.com")).id
    result = runner.invoke(
        args=[
            "channel",
            "add",
            "--workspace",
            str(workspace_id),
            "--name",
            "Demo",
            "--phone-number-id",
            "123456789",
            "--waba-id",
            "987654321",
            "--access-token",
            "tok",
            "--app-secret",
            "sec",
            "--verify-token",
            "vt-123",
        ]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["verify_token"] == "vt-123"
    assert data["webhook_path"].startswith("/webhooks/whatsapp/")
    with app.app_context():
        channel = db.session.get(Channel, data["channel_id"])
        assert channel.workspace_id == workspace_id
        assert data["webhook_path"].endswith(channel.key)
    again = runner.invoke(
        args=[
            "channel",
            "add",
            "--workspace",
            str(workspace_id),
            "--name",
            "Demo",
            "--phone-number-id",
            "123456789",
            "--waba-id",
            "1",
            "--access-token",
            "t",
            "--app-secret",
            "s",
        ]
    )
    assert again.exit_code != 0


def test_connection_test_against_the_emulator(client, app, owner):
    from .emulator_support import EmulatorHarness

    harness = EmulatorHarness(
        {
            "NUMBERS": [
                {
                    "phone_number_id": FORM["phone_number_id"],
                    "waba_id": FORM["waba_id"],
                    "access_token": FORM["access_token"],
                    "app_secret": FORM["app_secret"],
                    "display_phone_number": "+49 30 1234567",
                    "verified_name": "Muster GmbH",
                    "quality_rating": "GREEN",
                    "webhook_url": "",
                }
            ]
        }
    )
    app.config["WHATSAPP_GRAPH_URL"] = f"{harness.url}/v25.0"
    try:
        location = client.post("/settings/channels/new", data=FORM).headers["Location"]
        body = client.post(f"{location}/test", headers={"HX-Request": "true"}).get_data(
            as_text=True
        )
        assert "Muster GmbH" in body and "+49\xa030\xa01234567" in body
        assert "<dt>Qualität</dt><dd>gut</dd>" in body and "GREEN" not in body
        harness.http.post(
            "/_admin/numbers",
            json={
                "phone_number_id": FORM["phone_number_id"],
                "access_token": "rotated",
            },
        )
        body = client.post(f"{location}/test", headers={"HX-Request": "true"}).get_data(
            as_text=True
        )
        assert "ungültig oder abgelaufen" in body
        with app.app_context():
            assert db.session.scalar(select(Channel.needs_new_token)) is True
        assert "Neuer Token nötig" in client.get("/settings/channels").get_data(
            as_text=True
        )
    finally:
        harness.server.stop()
