"""Absolute links: BASE_URL when set, else the address the page was opened at.

`leadgate dev --port 5107` has no BASE_URL: every link it shows or mails must
point to 127.0.0.1:5107, not to a default port. The test client sends the Host
a browser on that port would.
"""

import re

import pytest
from flask.testing import FlaskClient

from leadgate import create_app
from leadgate.extensions import db
from leadgate.models import Channel, LeadForm, Workspace

from .inbox_support import OWNER, make_team
from .live import free_port
from .support import CSRF_PATTERN, PASSWORD, AuthActions, CsrfClient

DEV = "http://127.0.0.1:5107"
PUBLIC = "https://app.example.com"


class HostClient(CsrfClient):
    """Every request (and its CSRF token) goes to one address, as a browser's would."""

    base_url = DEV

    def open(self, *args, **kwargs):
        kwargs.setdefault("base_url", self.base_url)
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        page = FlaskClient.open(self, "/impressum", base_url=self.base_url)
        return CSRF_PATTERN.search(page.get_data(as_text=True)).group(1)


def client_at(app, address: str) -> tuple[HostClient, AuthActions]:
    client = HostClient(app, app.response_class, use_cookies=True)
    client.base_url = address
    return client, AuthActions(client)


@pytest.fixture
def dev(app):
    """The app as `leadgate dev --port 5107` runs it: no BASE_URL, that address."""
    app.config["BASE_URL"] = None
    return client_at(app, DEV)


def add_lead_form(app, team) -> str:
    with app.app_context():
        workspace = db.session.get(Workspace, team.workspace_id)
        workspace.privacy_url = "https://muster.example/datenschutz"
        workspace.consent_text = "Ja, gern per WhatsApp."
        db.session.add(
            LeadForm(
                workspace_id=team.workspace_id,
                channel_id=team.channel_id,
                slug="bewerbung",
                name="Bewerbung",
                headline="Jetzt bewerben",
                fields=[{"key": "name", "required": True}],
            )
        )
        db.session.commit()
    return "bewerbung"


def channel_key(app, team) -> str:
    with app.app_context():
        return db.session.get(Channel, team.channel_id).key


def links_on(page: str) -> set[str]:
    return set(re.findall(r"https?://[^\s\"'<&]+", page))


def test_dev_pages_show_the_address_they_were_opened_at(app, dev):
    dev, auth = dev
    team = make_team(app)
    slug = add_lead_form(app, team)
    auth.login(OWNER)
    forms = dev.get("/settings/lead-forms").get_data(as_text=True)
    assert f'value="{DEV}/f/{slug}"' in forms  # the address to copy
    assert f"&lt;iframe src=&#34;{DEV}/f/{slug}&#34;" in forms  # the snippet
    assert f'href="{DEV}/f/{slug}" target="_blank"' in forms  # "Formular öffnen"
    channel = dev.get(f"/settings/channels/{team.channel_id}").get_data(as_text=True)
    webhook = f"{DEV}/webhooks/whatsapp/{channel_key(app, team)}"
    assert f'value="{webhook}"' in channel
    assert dev.get(f"/f/{slug}").status_code == 200  # the link leads somewhere real
    for page in (forms, channel):
        assert not any("127.0.0.1:5000" in link for link in links_on(page))


def test_dev_invites_and_mails_link_to_the_dev_address(app, dev, outbox):
    dev, auth = dev
    make_team(app)
    auth.login(OWNER)
    page = dev.post(
        "/settings/members/invite", data={"email": "neu@example.com", "role": "agent"}
    ).get_data(as_text=True)
    shown = re.search(r'id="invite-link" type="text" readonly value="([^"]+)"', page)
    assert shown.group(1).startswith(f"{DEV}/invite/")
    assert shown.group(1) in outbox[-1].get_content()  # the mailed link is the same
    auth.logout()
    dev.post("/password-reset", data={"email": OWNER})
    assert f"{DEV}/password-reset/" in outbox[-1].get_content()
    dev.post(
        "/register",
        data={"name": "Nina Neu", "email": "nina@example.com", "password": PASSWORD},
    )
    assert f"{DEV}/register/confirm/" in outbox[-1].get_content()


def test_base_url_wins_over_the_request_address(app, outbox):
    team = make_team(app)
    slug = add_lead_form(app, team)
    app.config["BASE_URL"] = PUBLIC
    client, auth = client_at(app, "http://evil.example")  # a forged Host header
    auth.login(OWNER)
    forms = client.get("/settings/lead-forms").get_data(as_text=True)
    assert f'value="{PUBLIC}/f/{slug}"' in forms
    page = client.post(
        "/settings/members/invite", data={"email": "neu@example.com", "role": "agent"}
    ).get_data(as_text=True)
    assert f'value="{PUBLIC}/invite/' in page
    auth.logout()
    client.post("/password-reset", data={"email": OWNER})
    assert f"{PUBLIC}/password-reset/" in outbox[-1].get_content()
    assert "evil.example" not in "".join(m.get_content() for m in outbox)


def test_production_refuses_to_start_without_base_url(monkeypatch):
    monkeypatch.setenv("LEADGATE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("ENCRYPTION_KEY", "8iJc1cC3n0Yl1k7yVqCwS8oYpQZb0m5Jm2f3t4u5v6w=")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.delenv("BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="BASE_URL must be set"):
        create_app()
    monkeypatch.setenv("BASE_URL", PUBLIC + "/")
    assert create_app().config["BASE_URL"] == PUBLIC


def invite(client) -> str:
    page = client.post(
        "/settings/members/invite", data={"email": "neu@example.com", "role": "agent"}
    ).get_data(as_text=True)
    return page[page.index('id="new-invite"') : page.index('id="invite-link"')]


def test_without_a_mail_server_the_invite_says_it_was_not_mailed(app, client, auth):
    make_team(app)
    auth.login(OWNER)
    notice = invite(client)
    assert "keine E-Mail verschickt: Es ist kein Mailserver eingerichtet" in notice
    assert "per E-Mail verschickt" not in notice and "/_dev/mail" not in notice


def test_in_leadgate_dev_the_invite_points_to_the_dev_mailbox(app, client, auth):
    from leadgate.dev_mail import create_dev_mail_app

    create_dev_mail_app(app)  # as `leadgate dev` mounts it
    make_team(app)
    auth.login(OWNER)
    notice = invite(client)
    assert "Die E-Mail wurde nicht verschickt" in notice
    assert '<a href="/_dev/mail/">Entwicklungs-Mailbox</a>' in notice


def test_with_a_mail_server_the_invite_says_it_was_mailed(app, client, auth):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Collect(Message):
        def handle_message(self, message):
            received.append(message)

    port = free_port()
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
        make_team(app)
        auth.login(OWNER)
        notice = invite(client)
    finally:
        controller.stop()
    assert "Einladung erstellt und per E-Mail verschickt" in notice
    assert [m["To"] for m in received] == ["neu@example.com"]
