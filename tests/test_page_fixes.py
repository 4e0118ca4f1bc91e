"""Small defects of the pages outside the inbox (issue 14), through the test client.

One #flashes per page also after the team's htmx swaps; leaving a workspace by
htmx loads a whole page (HX-Redirect); "link sent" pages say so only when a mail
server is set; the contact page records an objection (after its dialog); role
changes never act on `change` (the switcher: test_browser_confirmations.py).
"""

import re

import pytest
from sqlalchemy import select

from leadgate.auth.routes import reset_link_notice
from leadgate.extensions import db
from leadgate.models import ConsentRecord, Contact, Membership, Role, User

from .support import make_user, membership_of, workspace_of

HX = {"HX-Request": "true"}


@pytest.fixture
def team(app):
    with app.app_context():
        owner = make_user("owner@example.com", name="Olga Owner")
        workspace = workspace_of(owner)
        agent = make_user(
            "agent@example.com", name="Max Muster", workspace=workspace, role=Role.AGENT
        )
        return {
            "owner": membership_of(owner, workspace).id,
            "agent": membership_of(agent, workspace).id,
            "workspace_id": workspace.id,
        }


def test_team_swaps_fill_the_page_flashes_instead_of_a_second_one(client, auth, team):
    auth.login("owner@example.com")
    response = client.post(
        f"/settings/members/{team['agent']}/role", data={"role": "admin"}, headers=HX
    )
    body = response.get_data(as_text=True)
    assert body.count('id="flashes"') == 1
    flashes = re.search(r'<div id="flashes"[^>]*>(.*?)</div>', body, re.S)
    assert 'hx-swap-oob="innerHTML"' in flashes.group(0)
    assert "Die Rolle von Max Muster wurde geändert." in flashes.group(1)
    team_part = body.split('<div id="team"')[1]
    assert "wurde geändert" not in team_part
    # A boosted (whole page) request renders the page's own region only.
    page = client.get("/settings/members", headers={**HX, "HX-Boosted": "true"})
    assert page.get_data(as_text=True).count('id="flashes"') == 1
    assert (
        client.get("/settings/members").get_data(as_text=True).count('id="flashes"')
        == 1
    )


def test_roles_change_only_by_the_dialog_button(client, auth, team):
    auth.login("owner@example.com")
    page = client.get("/settings/members").get_data(as_text=True)
    form = re.search(
        rf'<form class="member-actions".*?/members/{team["agent"]}/role.*?</form>',
        page,
        re.S,
    ).group(0)
    assert "hx-trigger" not in form  # no save on `change` of the select
    assert f'data-confirm-open="role-confirm-{team["agent"]}"' in form
    assert "Max Muster kann dann Einstellungen und Mitglieder verwalten." in form


def test_leaving_by_htmx_redirects_the_whole_page(client, auth, app, team):
    with app.app_context():
        owner = db.session.get(Membership, team["owner"]).user
        make_user("second@example.com", name="Sam Second")
        second = db.session.scalars(
            select(User).where(User.email == "second@example.com")
        ).one()
        db.session.add(
            Membership(workspace=workspace_of(second), user=owner, role=Role.ADMIN)
        )
        db.session.commit()
        elsewhere = membership_of(owner, workspace_of(second)).id
        elsewhere_workspace = workspace_of(second).id
    auth.login("owner@example.com")
    client.post("/workspaces/switch", data={"workspace_id": elsewhere_workspace})

    response = client.post(f"/settings/members/{elsewhere}/remove", headers=HX)

    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/inbox"
    assert response.get_data(as_text=True) == ""
    with app.app_context():
        assert db.session.get(Membership, elsewhere) is None
    page = client.get("/inbox", follow_redirects=True).get_data(as_text=True)
    assert "Olga Owner wurde aus dem Workspace entfernt." in page
    # Without htmx (no script): the ordinary redirect.
    with app.app_context():
        db.session.add(
            Membership(workspace_id=elsewhere_workspace, user_id=owner.id, role="admin")
        )
        db.session.commit()
        again = db.session.scalars(
            select(Membership.id)
            .where(Membership.workspace_id == elsewhere_workspace)
            .where(Membership.user_id == owner.id)
        ).one()
    client.post("/workspaces/switch", data={"workspace_id": elsewhere_workspace})
    response = client.post(f"/settings/members/{again}/remove")
    assert response.status_code == 302 and response.location == "/inbox"


@pytest.mark.parametrize(
    ("mail_server", "dev_outbox", "heading", "text"),
    [
        ("smtp.example.com", None, "Bitte prüfen Sie Ihr Postfach", "geschickt"),
        (None, "/_dev/mail/", "E-Mail nicht verschickt", "Entwicklungs-Mailbox"),
        (None, None, "E-Mail nicht verschickt", "an die Betreiber"),
    ],
)
def test_the_sign_up_page_says_whether_a_mail_went_out(
    app, client, mail_server, dev_outbox, heading, text
):
    app.config["MAIL_SERVER"] = mail_server
    if dev_outbox:
        app.extensions["dev_mail_page"] = dev_outbox
    page = client.get("/register/sent").get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in page
    notice = page.split('id="mail-notice"')[1].split("</div>")[0]
    assert text in notice
    if dev_outbox:
        assert f'<a href="{dev_outbox}">Entwicklungs-Mailbox</a>' in notice


@pytest.mark.parametrize(
    ("mail_server", "dev_outbox", "category", "text"),
    [
        ("smtp.example.com", None, "success", "haben wir Ihnen einen Link"),
        (None, "/_dev/mail/", "info", "liegt der Link zum Zurücksetzen in der"),
        (None, None, "error", "Es wurde keine E-Mail zum Zurücksetzen verschickt"),
    ],
)
def test_the_reset_answer_says_whether_a_mail_went_out(
    app, mail_server, dev_outbox, category, text
):
    app.config["MAIL_SERVER"] = mail_server
    if dev_outbox:
        app.extensions["dev_mail_page"] = dev_outbox
    with app.test_request_context():
        message, shown_as = reset_link_notice()
    assert text in message and shown_as == category


def test_an_unmailed_reset_link_is_not_called_sent(client, app, outbox):
    """Without a mail server the same answer, known address or not: not sent."""
    with app.app_context():
        make_user("erika@example.com")
    answers = [
        client.post(
            "/password-reset", data={"email": email}, follow_redirects=True
        ).get_data(as_text=True)
        for email in ("erika@example.com", "nobody@example.com")
    ]
    for page in answers:
        assert "Es wurde keine E-Mail zum Zurücksetzen verschickt" in page
        assert "haben wir Ihnen einen Link" not in page


def test_any_member_records_an_objection_on_the_contact_page(client, auth, app, team):
    with app.app_context():
        contact = Contact(
            workspace_id=team["workspace_id"],
            name="Frieda Fischer",
            phone_e164="+4915112345678",
            wa_id="4915112345678",
        )
        db.session.add(contact)
        db.session.commit()
        contact_id = contact.id
    auth.login("agent@example.com")
    page = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert 'data-confirm-open="record-objection"' in page
    assert "Frieda Fischer erhält dann keine Nachrichten mehr" in page

    response = client.post(f"/contacts/{contact_id}/objection")
    assert response.status_code == 303
    assert response.location == f"/contacts/{contact_id}#privacy"
    client.post(f"/contacts/{contact_id}/objection")  # twice: still one objection
    with app.app_context():
        assert db.session.get(Contact, contact_id).opted_out_at is not None
        records = db.session.scalars(
            select(ConsentRecord).where(ConsentRecord.contact_id == contact_id)
        ).all()
        assert sorted((r.purpose, r.action, r.source) for r in records) == [
            ("whatsapp_marketing", "opt_out", "agent"),
            ("whatsapp_service", "opt_out", "agent"),
        ]
    page = client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    assert "Widerspruch seit" in page
    assert 'id="objection-record"' not in page  # nothing to record twice
    assert 'id="objection"' not in page  # taking back is for owners and admins


@pytest.mark.parametrize(
    ("mail_server", "dev_outbox", "category", "text"),
    [
        ("smtp.example.com", None, "success", "an die neue Adresse geschickt"),
        (
            None,
            "/_dev/mail/",
            "info",
            "liegt in der Entwicklungs-Mailbox (/_dev/mail/)",
        ),
        (None, None, "error", "Der Bestätigungslink wurde nicht verschickt"),
    ],
)
def test_the_address_change_says_whether_a_mail_went_out(
    app, mail_server, dev_outbox, category, text
):
    from leadgate.account.routes import confirmation_link_notice

    app.config["MAIL_SERVER"] = mail_server
    if dev_outbox:
        app.extensions["dev_mail_page"] = dev_outbox
    with app.test_request_context():
        message, shown_as = confirmation_link_notice()
    assert text in message and shown_as == category
